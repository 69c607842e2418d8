package casemgmt

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/caseagent/caseagent/predict"
)

// ValidateText reports whether every string in v can be stored: text that
// is not valid UTF-8, or that contains a NUL byte, is refused with an
// error that wraps ErrInvalid and names what (the caller's word for v),
// where in v (a field, a map key, an index) and why.
//
// It is the rule every Store applies to everything it writes: cases,
// links, audit entries, interactions, contacts, idempotency keys, claim
// names and owners, and state keys. Some databases refuse such text (a
// PostgreSQL text column takes neither), and JSON would silently replace
// invalid bytes, so every store refuses it rather than keep something
// other than it was given. Case.Validate, Link.Validate, AuditEntry.Validate
// and Interaction.Validate apply it; a store applies it itself to what
// those do not cover. Looking up text that fails it finds nothing, since
// no stored text can be equal to it.
//
// ValidateText looks at strings anywhere in v: v itself, the exported
// fields of structs, the elements of slices and arrays, the keys and
// values of maps, and what pointers and interfaces hold, to a depth of
// 16, far deeper than any of the types above nest.
func ValidateText(what string, v any) error {
	if textOK(v) {
		return nil
	}
	if path, err := walkText(reflect.ValueOf(v), 0); err != nil {
		return fmt.Errorf("%w: %s%s: %v", ErrInvalid, what, path, err)
	}
	return nil
}

// textOK reports, without reflection, whether v is of a type stores
// write on every change and all its text passes. False means that v has
// text that fails, or is of another type; ValidateText then walks it to
// find out and to say where. TestTextOKCoversEveryString keeps it in
// step with the types.
func textOK(v any) bool {
	switch x := v.(type) {
	case string:
		return validText(x)
	case []string:
		return allValid(x)
	case Link:
		return validText(string(x.Kind)) && validText(x.ID)
	case *Case:
		return x != nil && caseTextOK(x)
	case *AuditEntry:
		return x != nil && auditTextOK(x)
	case *Interaction:
		return x != nil && interactionTextOK(x)
	case *Contact:
		return x != nil && validText(x.ID) && validText(x.Name) && validText(x.Email) && validText(x.Phone)
	}
	return false
}

func caseTextOK(c *Case) bool {
	if !validText(c.ID) || !validText(c.Number) || !validText(c.ExternalID) || !validText(c.Title) ||
		!validText(string(c.Status)) || !validText(c.StatusReason) || !validText(c.ContactID) || !validText(c.Origin) {
		return false
	}
	for k, v := range c.Fields {
		if !validText(k) || !scalarTextOK(v) {
			return false
		}
	}
	for k, p := range c.Provenance {
		if !validText(k) || !actorTextOK(p.Actor) || !allValid(p.MessageIDs) || !evidenceTextOK(p.Evidence) ||
			!validText(p.Rule) || !validText(p.Model) {
			return false
		}
	}
	for _, l := range c.Links {
		if !validText(string(l.Kind)) || !validText(l.ID) {
			return false
		}
	}
	for k, v := range c.Meta {
		if !validText(k) || !validText(v) {
			return false
		}
	}
	return true
}

func auditTextOK(e *AuditEntry) bool {
	return validText(e.CaseID) && validText(e.Field) && scalarTextOK(e.Old) && scalarTextOK(e.New) &&
		actorTextOK(e.Actor) && validText(e.Reason) && allValid(e.MessageIDs) && evidenceTextOK(e.Evidence) &&
		validText(e.Model) && validText(e.Rule)
}

func interactionTextOK(in *Interaction) bool {
	if !validText(in.ID) || !validText(in.CaseID) || !validText(in.ConversationID) || !allValid(in.MessageIDs) ||
		!validText(in.Trigger) || !actorTextOK(in.Actor) || !validText(string(in.Outcome)) || !validText(in.Reason) ||
		!validText(in.Predictor) {
		return false
	}
	for _, f := range in.Fields {
		if !validText(f.Field) || !scalarTextOK(f.Value) || !evidenceTextOK(f.Evidence) || !validText(f.Reason) {
			return false
		}
	}
	return true
}

func actorTextOK(a Actor) bool { return validText(string(a.Kind)) && validText(a.ID) }

func evidenceTextOK(es []predict.Evidence) bool {
	for _, e := range es {
		if !validText(e.MessageID) || !validText(e.Quote) {
			return false
		}
	}
	return true
}

// scalarTextOK reports whether v is a canonical value whose text, if any,
// passes; other types are left to the walk.
func scalarTextOK(v any) bool {
	switch x := v.(type) {
	case nil, bool, int64, float64:
		return true
	case string:
		return validText(x)
	}
	return false
}

func allValid(ss []string) bool {
	for _, s := range ss {
		if !validText(s) {
			return false
		}
	}
	return true
}

// validText reports whether s is valid UTF-8 without a NUL byte.
func validText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// walkText returns the first string in v that checkString refuses, with
// its path within v (".Title", ".Fields[\"x\"]", ".Links[2].ID").
func walkText(v reflect.Value, depth int) (string, error) {
	if depth > 16 || !v.IsValid() {
		return "", nil
	}
	switch v.Kind() {
	case reflect.String:
		return "", checkString(v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", nil
		}
		return walkText(v.Elem(), depth+1)
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if path, err := walkText(v.Field(i), depth+1); err != nil {
				return "." + f.Name + path, err
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", nil // bytes, not text
		}
		for i := range v.Len() {
			if path, err := walkText(v.Index(i), depth+1); err != nil {
				return "[" + strconv.Itoa(i) + "]" + path, err
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := it.Key()
			if _, err := walkText(k, depth+1); err != nil {
				return " key", err
			}
			if path, err := walkText(it.Value(), depth+1); err != nil {
				return "[" + keyString(k) + "]" + path, err
			}
		}
	}
	return "", nil
}

// keyString formats a map key for a path.
func keyString(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return strconv.Quote(k.String())
	}
	return fmt.Sprint(k.Interface())
}

func checkString(s string) error {
	if validText(s) {
		return nil
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("text %q is not valid UTF-8", truncateBytes(s, 40))
	}
	return fmt.Errorf("text %q contains a NUL byte", truncateBytes(s, 40))
}

// truncateBytes cuts s to n bytes for a message, which quotes it.
func truncateBytes(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
