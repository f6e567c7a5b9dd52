/* Plumbing for geo._scan: find the capitalised words of a text in one pass.
 *
 * scan_capitalised(text, suspects) -> (words, occurrences)
 *
 * words: the set of capitalised words in ``text``, exactly what
 *     set(re.findall(r"[A-Z\u00c0-\u00de\u0100-\u017f\u0400-\u042f\u0600-\u06ff][^\W\d_]+", text))
 *     returns;
 * occurrences: [(start, end, word)] for each of those words that is in ``suspects`` (a
 *     set) and not preceded by a letter, in text order; a word that starts with a
 *     character of the first class that is no letter ("×Khan", "،کابل") also counts
 *     without it, as a whole word is what a suspect is looked for as.
 *
 * The regex engine tests every character against the first character class; this loop
 * does the same in a few instructions and creates only the words. geo._scan keeps a
 * pure-Python twin (used when this module is not built) and a test checks they agree.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The first character of a word: [A-Z\u00c0-\u00de\u0100-\u017f\u0400-\u042f\u0600-\u06ff] */
static inline int
is_initial(Py_UCS4 ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 0xc0 && ch <= 0xde) ||
           (ch >= 0x100 && ch <= 0x17f) || (ch >= 0x400 && ch <= 0x42f) ||
           (ch >= 0x600 && ch <= 0x6ff);
}

/* The rest of a word: [^\W\d_], as the re module reads it on str patterns. */
static inline int
is_word_letter(Py_UCS4 ch)
{
    if (ch < 128) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    }
    return Py_UNICODE_ISALNUM(ch) && !Py_UNICODE_ISDECIMAL(ch);
}

/* Append (start, end, word) to found when word is in suspects; return -1 on error. */
static int
add_if_suspect(PyObject *found, PyObject *suspects, PyObject *word, Py_ssize_t start,
               Py_ssize_t end)
{
    int known = PySet_Contains(suspects, word);
    if (known <= 0) {
        return known;
    }
    PyObject *item = Py_BuildValue("(nnO)", start, end, word);
    if (item == NULL) {
        return -1;
    }
    int status = PyList_Append(found, item);
    Py_DECREF(item);
    return status;
}

static PyObject *
scan_capitalised(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyAnySet_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "scan_capitalised(text: str, suspects: set)");
        return NULL;
    }
    PyObject *text = args[0], *suspects = args[1];
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) {
        return NULL;
    }
#endif
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    int check_suspects = PySet_GET_SIZE(suspects) > 0;

    PyObject *words = PySet_New(NULL);
    PyObject *found = PyList_New(0);
    if (words == NULL || found == NULL) {
        goto error;
    }
    Py_ssize_t i = 0;
    while (i < size - 1) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (!is_initial(ch) || !is_word_letter(PyUnicode_READ(kind, data, i + 1))) {
            i++;
            continue;
        }
        Py_ssize_t end = i + 2;
        while (end < size && is_word_letter(PyUnicode_READ(kind, data, end))) {
            end++;
        }
        PyObject *word = PyUnicode_Substring(text, i, end);
        if (word == NULL || PySet_Add(words, word) < 0) {
            Py_XDECREF(word);
            goto error;
        }
        if (check_suspects) {
            int status = 0;
            if (i == 0 || !Py_UNICODE_ISALPHA(PyUnicode_READ(kind, data, i - 1))) {
                status = add_if_suspect(found, suspects, word, i, end);
            }
            if (status == 0 && !is_word_letter(ch) && end - i > 2) {
                /* "×Khan": the word after the sign stands alone too */
                PyObject *inner = PyUnicode_Substring(text, i + 1, end);
                status = inner == NULL ? -1
                                       : add_if_suspect(found, suspects, inner, i + 1, end);
                Py_XDECREF(inner);
            }
            if (status < 0) {
                Py_DECREF(word);
                goto error;
            }
        }
        Py_DECREF(word);
        i = end;
    }
    return Py_BuildValue("(NN)", words, found);

error:
    Py_XDECREF(words);
    Py_XDECREF(found);
    return NULL;
}

static PyMethodDef methods[] = {
    {"scan_capitalised", (PyCFunction)(void (*)(void))scan_capitalised, METH_FASTCALL,
     "scan_capitalised(text, suspects) -> (set of capitalised words, "
     "[(start, end, word)] of the suspects among them not preceded by a letter)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_capitalised",
    "The capitalised words of a text, found in compiled code (see geo._scan).", -1, methods,
};

PyMODINIT_FUNC
PyInit__capitalised(void)
{
    return PyModule_Create(&module);
}
