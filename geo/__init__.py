"""controlmap: from news reports about a war to a day-by-day map of who controls what."""

__version__ = "0.1.0"
