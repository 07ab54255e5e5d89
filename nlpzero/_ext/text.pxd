# The text layer shared by every kernel: character classes, the number
# placeholder, number folding, UTF-8 decoding and encoding.  These are the only
# definitions of the constants; Python reads them from nlpzero._ext.text.
from libc.stdint cimport uint8_t, uint16_t, uint32_t
from libc.string cimport memcpy

cdef enum:
    CLASS_RUN = 1        # letters/digits that form runs ("iPhone12", "１９９８")
    CLASS_DIGIT = 2      # decimal digits ("3.14" keeps its point)
    CLASS_EXTEND = 4     # combining marks, variation selectors, ZWJ: attach to the left
    CLASS_SPACE = 8      # whitespace: runs are one token
    CLASS_REPEAT = 16    # punctuation and symbols: a run of one repeated mark is one token
    CLASS_JOINER = 32    # U+200D: also attaches the character after it
    CLASS_TABLE_SIZE = 0x20000   # the class table covers planes 0 and 1
    CODE_POINTS = 0x110000
    NUMBER = 0xE000      # stands for any number: in lexicon words and in folded text


cdef inline uint8_t char_class(const uint8_t *classes, uint32_t ch) noexcept nogil:
    # above the table: CJK extensions B-H and private use are single
    # characters, tags and variation selectors (plane 14) attach
    if ch < CLASS_TABLE_SIZE:
        return classes[ch]
    if 0xE0000 <= ch < 0xE1000:
        return CLASS_EXTEND
    return 0


cdef inline bint is_decimal_point(uint32_t ch) noexcept nogil:
    return ch == 0x2E or ch == 0xFF0E


cdef inline bint number_starts(const uint32_t *text, const uint8_t *classes, Py_ssize_t k) noexcept nogil:
    """Whether a number starts at k (a digit not continuing digits or a decimal point after digits)."""
    if not char_class(classes, text[k]) & CLASS_DIGIT:
        return False
    if k >= 1 and char_class(classes, text[k - 1]) & CLASS_DIGIT:
        return False
    if k >= 2 and is_decimal_point(text[k - 1]) and char_class(classes, text[k - 2]) & CLASS_DIGIT:
        return False
    return True


cdef inline Py_ssize_t fold_number_runs(uint32_t *codes, Py_ssize_t n, const uint8_t *classes) noexcept nogil:
    """Replace every number (digits, decimal points between digits) by NUMBER,
    in place; returns the new length."""
    cdef Py_ssize_t i = 0, m = 0
    while i < n:
        if char_class(classes, codes[i]) & CLASS_DIGIT:
            i += 1
            while i < n:
                if char_class(classes, codes[i]) & CLASS_DIGIT:
                    i += 1
                elif is_decimal_point(codes[i]) and i + 1 < n and char_class(classes, codes[i + 1]) & CLASS_DIGIT:
                    i += 2
                else:
                    break
            codes[m] = NUMBER
        else:
            codes[m] = codes[i]
            i += 1
        m += 1
    return m


cdef inline void load_codes(const void *data, unsigned int kind, Py_ssize_t n, uint32_t *codes) noexcept nogil:
    """Copy a str's code points (stored in 1, 2 or 4 bytes each) to `codes`."""
    cdef Py_ssize_t i
    if kind == 1:
        for i in range(n):
            codes[i] = (<const uint8_t *> data)[i]
    elif kind == 2:
        for i in range(n):
            codes[i] = (<const uint16_t *> data)[i]
    else:
        memcpy(codes, data, n * sizeof(uint32_t))


cdef inline Py_ssize_t put_utf8(uint8_t *buf, Py_ssize_t m, uint32_t ch) noexcept nogil:
    """Write ch as UTF-8 at buf[m]; returns the position after it."""
    if ch < 0x80:
        buf[m] = <uint8_t> ch
        return m + 1
    if ch < 0x800:
        buf[m] = <uint8_t> (0xC0 | (ch >> 6))
        buf[m + 1] = <uint8_t> (0x80 | (ch & 0x3F))
        return m + 2
    if ch < 0x10000:
        buf[m] = <uint8_t> (0xE0 | (ch >> 12))
        buf[m + 1] = <uint8_t> (0x80 | ((ch >> 6) & 0x3F))
        buf[m + 2] = <uint8_t> (0x80 | (ch & 0x3F))
        return m + 3
    buf[m] = <uint8_t> (0xF0 | (ch >> 18))
    buf[m + 1] = <uint8_t> (0x80 | ((ch >> 12) & 0x3F))
    buf[m + 2] = <uint8_t> (0x80 | ((ch >> 6) & 0x3F))
    buf[m + 3] = <uint8_t> (0x80 | (ch & 0x3F))
    return m + 4


cdef inline Py_ssize_t utf8_decode(const uint8_t *src, Py_ssize_t n, uint32_t *out, Py_ssize_t *invalid) noexcept nogil:
    """UTF-8 to code points; each maximal invalid subpart becomes one U+FFFD
    (Python's "replace"); adds the replaced byte count to *invalid."""
    cdef Py_ssize_t i = 0, m = 0, need, k
    cdef uint32_t b, cp, lo, hi
    while i < n:
        b = src[i]
        if b < 0x80:
            out[m] = b
            m += 1
            i += 1
            continue
        # the continuation byte range after the lead byte excludes overlong
        # forms (E0, F0), surrogates (ED) and code points above U+10FFFF (F4)
        lo = 0xA0 if b == 0xE0 else (0x90 if b == 0xF0 else 0x80)
        hi = 0x9F if b == 0xED else (0x8F if b == 0xF4 else 0xBF)
        if 0xC2 <= b <= 0xDF:
            need = 1
            cp = b & 0x1F
        elif 0xE0 <= b <= 0xEF:
            need = 2
            cp = b & 0x0F
        elif 0xF0 <= b <= 0xF4:
            need = 3
            cp = b & 0x07
        else:
            out[m] = 0xFFFD
            m += 1
            i += 1
            invalid[0] += 1
            continue
        k = 1
        while k <= need:
            if i + k >= n:
                break
            b = src[i + k]
            if b < lo or b > hi:
                break
            cp = (cp << 6) | (b & 0x3F)
            lo = 0x80
            hi = 0xBF
            k += 1
        if k <= need:           # truncated or invalid: the valid prefix is one U+FFFD
            out[m] = 0xFFFD
            invalid[0] += k
            i += k
        else:
            out[m] = cp
            i += need + 1
        m += 1
    return m
