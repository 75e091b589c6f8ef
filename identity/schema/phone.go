package schema

import (
	"errors"
	"strings"
)

// E.164 numbers have a country code that does not start with 0 and at most 15 digits in all.
// Kratos checks numbers against libphonenumber's tables; ward checks the shape only, so it
// accepts some numbers no carrier would route (and rejects none that Kratos accepts with a
// leading "+").
const (
	minPhoneDigits = 7
	maxPhoneDigits = 15
)

var errNotPhone = errors.New("the provided number is not a valid phone number")

// normalizePhone returns the E.164 form of an international number written with a leading "+"
// and any of the usual separators (spaces, hyphens, dots, parentheses): "+49 176 671 11 638" is
// "+4917667111638". That is the form Kratos stores for a code identifier sent by SMS.
func normalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, "+")
	if !ok {
		return "", errNotPhone
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteByte('+')
	digits := 0
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c >= '0' && c <= '9':
			if digits == 0 && c == '0' {
				return "", errNotPhone
			}
			digits++
			b.WriteByte(c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", errNotPhone
		}
	}
	if digits < minPhoneDigits || digits > maxPhoneDigits {
		return "", errNotPhone
	}
	return b.String(), nil
}

// validateTel is the "tel" format, which Kratos adds to JSON Schema's formats. Like the standard
// formats it says nothing about values that are not strings.
func validateTel(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	_, err := normalizePhone(s)
	return err
}
