"""Build the optional compiled part of controlmap; everything else is in pyproject.toml.

``geo/_capitalised.c`` speeds up the geocoder's scan for capitalised words ~3x. It is
optional: without a C compiler the install goes on and ``geo._scan`` uses its pure-Python
twin, which gives the same answers.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("geo._capitalised", ["geo/_capitalised.c"], optional=True)])
