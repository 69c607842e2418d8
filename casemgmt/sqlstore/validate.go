package sqlstore

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/caseagent/caseagent/casemgmt"
)

// checkText reports casemgmt.ErrInvalid when a string anywhere in v (in
// fields, slices, maps and their keys, and interfaces) is not valid UTF-8
// or contains a NUL byte. PostgreSQL's text refuses both, and JSON would
// silently replace invalid bytes, so the Store refuses them in both
// dialects rather than store something other than it was given.
func checkText(what string, v any) error {
	if err := walkText(reflect.ValueOf(v), 0); err != nil {
		return fmt.Errorf("%w: %s: %v", casemgmt.ErrInvalid, what, err)
	}
	return nil
}

func walkText(v reflect.Value, depth int) error {
	if depth > 16 || !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		return checkString(v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return walkText(v.Elem(), depth+1)
	case reflect.Struct:
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			if err := walkText(v.Field(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := walkText(v.Index(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if err := walkText(it.Key(), depth+1); err != nil {
				return err
			}
			if err := walkText(it.Value(), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkString(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("text %q is not valid UTF-8", truncate(s))
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("text %q contains a NUL byte", truncate(s))
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// storableText reports whether every s could have been stored: looking
// up text that could not be is answered without asking the database,
// which (PostgreSQL) would refuse it with an error.
func storableText(ss ...string) bool {
	for _, s := range ss {
		if checkString(s) != nil {
			return false
		}
	}
	return true
}
