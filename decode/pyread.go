package decode

import "bytes"

// Python's reading of files, numbers and text as Pillow's readers rely on
// it, for the ports that follow them step by step.

// pyRead is fp.read(n) at *pos over data.
func pyRead(data []byte, pos *int, n int) []byte {
	s := data[min(*pos, len(data)):min(*pos+n, len(data))]
	*pos += len(s)
	return s
}

// isDigits is bytes.isdigit() on ASCII: non-empty, all 0-9.
func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// pyInt is Python's int(bytes) for base 10: optional surrounding
// whitespace (never present here), a sign, digits with single underscores
// between them.
func pyInt(tok []byte) (int64, bool) {
	s := tok
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 || s[0] == '_' || s[len(s)-1] == '_' {
		return 0, false
	}
	var v int64
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			v = v*10 + int64(c-'0')
			if v > 1<<40 {
				v = 1 << 40 // tokens are at most 10 characters: cannot happen
			}
		case c == '_' && s[i-1] != '_':
		default:
			return 0, false
		}
	}
	if neg {
		v = -v
	}
	return v, true
}

// pySplit is bytes.split() without arguments: fields between runs of
// ASCII whitespace (not Unicode's, which bytes.Fields would split on).
func pySplit(b []byte) [][]byte {
	return bytes.FieldsFunc(b, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
		return false
	})
}

// latin1 decodes ISO 8859-1 (every byte one code point).
func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// fromHex is bytes.fromhex: pairs of hex digits, ASCII whitespace between
// pairs skipped; ok false where Python raises ValueError.
func fromHex(s string) ([]byte, bool) {
	var out []byte
	for i := 0; i < len(s); {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			i++
			continue
		}
		if i+1 >= len(s) {
			return nil, false
		}
		hi, ok1 := hexValue(s[i])
		lo, ok2 := hexValue(s[i+1])
		if !ok1 || !ok2 {
			return nil, false
		}
		out = append(out, hi<<4|lo)
		i += 2
	}
	return out, true
}

// hexValue is a hex digit's value; ok is false for any other byte.
func hexValue(c byte) (v byte, ok bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
