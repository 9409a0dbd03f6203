/* JSON arrays of numbers read straight into float64 buffers: the COCO lint's boxes and
 * polygons without a Python float per coordinate (foldcheck.io.numbers has the pure-Python
 * twin and says why).
 *
 * A number is read exactly when it can be: at most 19 significant digits whose value is at
 * most 2**53, and a decimal exponent within +-22, is one exact multiplication or division of
 * two exactly represented doubles (Clinger's fast path), so correctly rounded. Any other
 * number goes to PyOS_string_to_double, CPython's correctly rounded reader. Either way the
 * double is the one msgspec and json.loads give.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static const double POWERS_OF_TEN[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};
#define EXACT_POWERS 22
#define EXACT_MANTISSA (UINT64_C(1) << 53)
#define LONGEST_NUMBER 64 /* a longer number: not read here, the caller's slow way */

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static const char *skip_space(const char *p, const char *end) {
    while (p < end && is_space(*p)) p++;
    return p;
}

/* Digits from p on, accumulated into *mantissa (which wraps past 19 of them); the position
 * past them. */
static const char *read_digits(const char *p, const char *end, uint64_t *mantissa) {
    uint64_t value = *mantissa;
    for (; p < end && is_digit(*p); p++) value = value * 10 + (uint64_t)(*p - '0');
    *mantissa = value;
    return p;
}

/* Reads the JSON number at p into *out; returns the position past it, or NULL when the text
 * there is not a JSON number or not a finite one. */
static const char *read_number(const char *p, const char *end, double *out) {
    const char *start = p;
    int negative = p < end && *p == '-';
    p += negative;
    if (p >= end || !is_digit(*p)) return NULL;
    uint64_t mantissa = 0;
    const char *digits = p;
    p = *p == '0' ? p + 1 : read_digits(p, end, &mantissa);
    Py_ssize_t count = p - digits; /* digits read, leading zeros included */
    int integer = 1, exponent = 0;
    if (p < end && *p == '.') {
        const char *fraction = ++p;
        p = read_digits(p, end, &mantissa);
        if (p == fraction) return NULL;
        integer = 0;
        count += p - fraction;
        exponent = -(int)(p - fraction);
    }
    int exact = count <= 19; /* else the mantissa wrapped */
    if (p < end && (*p == 'e' || *p == 'E')) {
        integer = 0;
        p++;
        int sign = 1;
        if (p < end && (*p == '+' || *p == '-')) sign = *p++ == '-' ? -1 : 1;
        const char *power = p;
        uint64_t value = 0;
        p = read_digits(p, end, &value);
        if (p == power) return NULL;
        if (p - power > 4) exact = 0;
        else exponent += sign * (int)value;
    }
    if (integer && mantissa == 0 && exact) {
        *out = 0.0; /* "-0" is the integer 0, as the decoders read it: no negative zero */
        return p;
    }
    if (exact && mantissa <= EXACT_MANTISSA && exponent >= -EXACT_POWERS &&
        exponent <= EXACT_POWERS) {
        double value = (double)mantissa;
        value = exponent < 0 ? value / POWERS_OF_TEN[-exponent] : value * POWERS_OF_TEN[exponent];
        *out = negative ? -value : value;
        return p;
    }
    if (p - start >= LONGEST_NUMBER) return NULL;
    char copy[LONGEST_NUMBER];
    memcpy(copy, start, (size_t)(p - start));
    copy[p - start] = '\0';
    double value = PyOS_string_to_double(copy, NULL, NULL);
    if (value == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return NULL;
    }
    if (!isfinite(value)) return NULL; /* out of range: the decoders refuse it too */
    *out = integer && value == 0.0 ? 0.0 : value;
    return p;
}

/* Reads the JSON array of numbers spanning exactly [p, end) (white space allowed) into
 * values[0:room]; its length, or -1 when it is not one or holds more than room numbers. */
static Py_ssize_t read_array(const char *p, const char *end, double *values, Py_ssize_t room) {
    p = skip_space(p, end);
    if (p >= end || *p != '[') return -1;
    p = skip_space(p + 1, end);
    Py_ssize_t length = 0;
    if (p < end && *p == ']') {
        p++;
    } else {
        for (;;) {
            if (length == room) return -1;
            p = read_number(p, end, &values[length++]);
            if (p == NULL) return -1;
            p = skip_space(p, end);
            if (p < end && *p == ']') {
                p++;
                break;
            }
            if (p >= end || *p != ',') return -1;
            p = skip_space(p + 1, end);
        }
    }
    return skip_space(p, end) == end ? length : -1;
}

/* Whether the buffer holds 8-byte items of one of the struct module's ``codes`` (native). */
static int is_format(const Py_buffer *view, const char *codes) {
    const char *format = view->format;
    if (format[0] == '@' || format[0] == '=') format++;
    return view->itemsize == 8 && format[0] != '\0' && format[1] == '\0' &&
           strchr(codes, format[0]) != NULL;
}

PyDoc_STRVAR(fill_arrays_doc,
             "fill_arrays(texts, lengths, values, attribute=None) -> int\n\n"
             "Reads each of the sequence ``texts`` (bytes-like JSON values; with ``attribute``,\n"
             "objects that hold one as that attribute) as an array of finite\n"
             "numbers: its length into ``lengths`` (a writable int64 buffer of len(texts)), its\n"
             "numbers into ``values`` (a writable float64 buffer), one array after another.\n"
             "Returns how many numbers were written; -1, the buffers partly written, as soon as\n"
             "a text is not such an array or ``values`` has no room left.");

static PyObject *fill_arrays(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *texts, *lengths_target, *values_target, *attribute = Py_None;
    if (!PyArg_ParseTuple(args, "OOO|O:fill_arrays", &texts, &lengths_target, &values_target,
                          &attribute))
        return NULL;
    /* A tuple: nothing an attribute's getter runs can change it under the loop. */
    PyObject *sequence = PySequence_Tuple(texts);
    if (sequence == NULL) return NULL;
    const int flags = PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT;
    Py_buffer lengths_view, values_view;
    if (PyObject_GetBuffer(lengths_target, &lengths_view, flags) < 0) {
        Py_DECREF(sequence);
        return NULL;
    }
    if (PyObject_GetBuffer(values_target, &values_view, flags) < 0) {
        PyBuffer_Release(&lengths_view);
        Py_DECREF(sequence);
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(sequence);
    PyObject *result = NULL;
    if (!is_format(&lengths_view, "lq") || lengths_view.len != n * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "fill_arrays: lengths must hold len(texts) int64s");
        goto done;
    }
    if (!is_format(&values_view, "d")) {
        PyErr_SetString(PyExc_ValueError, "fill_arrays: values must hold float64s");
        goto done;
    }
    int64_t *lengths = (int64_t *)lengths_view.buf;
    double *values = (double *)values_view.buf;
    Py_ssize_t room = values_view.len / (Py_ssize_t)sizeof(double), written = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyTuple_GET_ITEM(sequence, i);
        if (attribute != Py_None && (item = PyObject_GetAttr(item, attribute)) == NULL) goto done;
        Py_buffer text;
        int got = PyObject_GetBuffer(item, &text, PyBUF_SIMPLE);
        if (attribute != Py_None) Py_DECREF(item); /* the view holds its own reference */
        if (got < 0) {
            PyErr_Clear(); /* not bytes-like (UNSET: no value): the caller's slow way */
            written = -1;
            break;
        }
        const char *start = (const char *)text.buf;
        Py_ssize_t length = read_array(start, start + text.len, values + written, room - written);
        PyBuffer_Release(&text);
        if (length < 0) {
            written = -1;
            break;
        }
        lengths[i] = length;
        written += length;
    }
    result = PyLong_FromSsize_t(written);
done:
    PyBuffer_Release(&values_view);
    PyBuffer_Release(&lengths_view);
    Py_DECREF(sequence);
    return result;
}

static PyMethodDef methods[] = {
    {"fill_arrays", fill_arrays, METH_VARARGS, fill_arrays_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "foldcheck.io._numbers",
    .m_doc = "JSON numbers read into float64 buffers (see foldcheck.io.numbers).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__numbers(void) { return PyModule_Create(&module); }
