package casemgmt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Values maps field names to values of the canonical Go types (string,
// bool, int64, float64).
//
// Its JSON form is a plain object that keeps the types through a round
// trip: integers are written as integers and float64 values always with a
// fraction or an exponent (12.0, 1e+21), so a decoded number without a
// fraction or exponent is an int64 and any other number a float64. Stores
// that keep values as JSON use this form; EncodeValue and DecodeValue do
// the same for one value.
type Values map[string]any

// MarshalJSON encodes the values, keeping their types. NaN and infinite
// numbers, and values of other types, are errors.
func (v Values) MarshalJSON() ([]byte, error) {
	if v == nil {
		return []byte("null"), nil
	}
	m := make(map[string]json.RawMessage, len(v))
	for k, x := range v {
		raw, err := EncodeValue(x)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
		m[k] = raw
	}
	return json.Marshal(m)
}

// UnmarshalJSON decodes values written by MarshalJSON.
func (v *Values) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*v = nil
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	out := make(Values, len(m))
	for k, raw := range m {
		x, err := DecodeValue(raw)
		if err != nil {
			return fmt.Errorf("field %s: %w", k, err)
		}
		out[k] = x
	}
	*v = out
	return nil
}

// EncodeValue encodes one value (nil, string, bool, int64 or float64) as
// JSON that DecodeValue turns back into the same type.
func EncodeValue(v any) (json.RawMessage, error) {
	switch x := v.(type) {
	case nil:
		return json.RawMessage("null"), nil
	case string, bool, int64:
		return json.Marshal(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%w: %v is not a storable number", ErrInvalid, x)
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return json.RawMessage(s), nil
	}
	return nil, fmt.Errorf("%w: value of type %T cannot be stored", ErrInvalid, v)
}

// DecodeValue decodes JSON written by EncodeValue: null, a string, a bool,
// an integer (int64) or a number with a fraction or exponent (float64).
// Arrays and objects are errors.
func DecodeValue(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: empty value", ErrInvalid)
	}
	switch raw[0] {
	case 'n':
		if string(raw) == "null" {
			return nil, nil
		}
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return s, nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, err
		}
		return b, nil
	case '[', '{':
		return nil, fmt.Errorf("%w: a field value cannot be an array or object", ErrInvalid)
	default:
		s := string(raw)
		if !json.Valid(raw) {
			return nil, fmt.Errorf("%w: bad number %q", ErrInvalid, truncate(s, 40))
		}
		if strings.ContainsAny(s, ".eE") {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: bad number %q", ErrInvalid, truncate(s, 40))
			}
			return f, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: bad integer %q", ErrInvalid, truncate(s, 40))
		}
		return n, nil
	}
	return nil, fmt.Errorf("%w: bad value %q", ErrInvalid, truncate(string(raw), 40))
}
