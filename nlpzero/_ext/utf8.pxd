# UTF-8 decoding shared by the kernels that read raw file bytes.
from libc.stdint cimport uint8_t, uint32_t


cdef inline Py_ssize_t decode_utf8(const uint8_t *src, Py_ssize_t n, uint32_t *out, Py_ssize_t *invalid) noexcept nogil:
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
        lo = 0x80
        hi = 0xBF
        if 0xC2 <= b <= 0xDF:
            need = 1
            cp = b & 0x1F
        elif 0xE0 <= b <= 0xEF:
            need = 2
            cp = b & 0x0F
            if b == 0xE0:
                lo = 0xA0
            elif b == 0xED:
                hi = 0x9F
        elif 0xF0 <= b <= 0xF4:
            need = 3
            cp = b & 0x07
            if b == 0xF0:
                lo = 0x90
            elif b == 0xF4:
                hi = 0x8F
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
