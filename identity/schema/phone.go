package schema

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

var errNotPhone = errors.New("the provided number is not a valid phone number")

// normalizePhone returns the E.164 form of an international number written with a leading "+"
// and any of the usual separators: "+49 176 671 11 638" is "+4917667111638", the form Kratos
// stores for a code identifier sent by SMS. As in Kratos, the number must be one that
// libphonenumber's tables call valid for its country, not only a string of digits of the right
// length. Without a leading "+" there is no country to read it in, and it is refused.
func normalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") {
		return "", errNotPhone
	}
	n, err := phonenumbers.Parse(s, "")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", errNotPhone
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
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
