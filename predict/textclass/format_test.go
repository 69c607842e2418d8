package textclass

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func modelBytes(t testing.TB, m *Model) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := m.WriteTo(&b)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(b.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d", n, b.Len())
	}
	return b.Bytes()
}

func TestSaveLoad(t *testing.T) {
	m := trainFixture(t)
	path := filepath.Join(t.TempDir(), "model.bin")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"refund please", "where is my parcel", "login broken", "", "router dead"} {
		if diff := cmp.Diff(m.Scores(text), got.Scores(text)); diff != "" {
			t.Errorf("Scores(%q) after loading (-before +after):\n%s", text, diff)
		}
	}
	if diff := cmp.Diff(m.Calibration(), got.Calibration()); diff != "" {
		t.Errorf("Calibration (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(m.Info(), got.Info()); diff != "" {
		t.Errorf("Info (-before +after):\n%s", diff)
	}
	if !bytes.Equal(modelBytes(t, m), modelBytes(t, got)) {
		t.Error("a loaded model does not write the same bytes")
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v", err)
	}
}

// withPayload returns a well-formed header for payload, followed by it.
func withPayload(payload []byte) []byte {
	h := []byte(magic)
	h = binary.LittleEndian.AppendUint32(h, formatVersion)
	h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(payload))
	h = binary.LittleEndian.AppendUint64(h, uint64(len(payload)))
	return append(h, payload...)
}

func TestReadErrors(t *testing.T) {
	good := modelBytes(t, trainFixture(t, WithHoldOut(0), WithFeatures(Features{MinWordN: 1, MaxWordN: 1, HashBits: 12})))
	payload := good[headerLen:]
	edit := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	editPayload := func(f func(p []byte) []byte) []byte {
		return withPayload(f(bytes.Clone(payload)))
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"short header", good[:10]},
		{"wrong magic", edit(func(b []byte) { b[0] = 'X' })},
		{"future version", edit(func(b []byte) { b[8] = 2 })},
		{"checksum", edit(func(b []byte) { b[len(b)-1] ^= 1 })},
		{"truncated", good[:len(good)-3]},
		{"trailing data", append(bytes.Clone(good), 0)},
		{"huge length", edit(func(b []byte) { binary.LittleEndian.PutUint64(b[16:], 1<<40) })},
		{"payload truncated inside", editPayload(func(p []byte) []byte { return p[:40] })},
		{"payload with extra bytes", editPayload(func(p []byte) []byte { return append(p, 1, 2, 3, 4) })},
		{"bad hash bits", editPayload(func(p []byte) []byte { p[4] = 40; return p })},
		{"bad fold flag", editPayload(func(p []byte) []byte { p[5] = 7; return p })},
		{"NaN char weight", editPayload(func(p []byte) []byte {
			binary.LittleEndian.PutUint64(p[6:], 0x7ff8000000000001)
			return p
		})},
		{"zero temperature", editPayload(func(p []byte) []byte {
			binary.LittleEndian.PutUint64(p[18:], 0)
			return p
		})},
		{"one label", editPayload(func(p []byte) []byte {
			binary.LittleEndian.PutUint32(p[58:], 1)
			return p
		})},
		{"huge label count", editPayload(func(p []byte) []byte {
			binary.LittleEndian.PutUint32(p[58:], 1<<30)
			return p
		})},
		{"unsorted labels", editPayload(func(p []byte) []byte {
			// "account" becomes "zccount", after "billing".
			p[64] = 'z'
			return p
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Read(bytes.NewReader(tt.data))
			if !errors.Is(err, ErrBadModel) {
				t.Errorf("Read: %v, want ErrBadModel", err)
			}
			if m != nil {
				t.Error("Read returned a model with its error")
			}
		})
	}
	if _, err := Read(bytes.NewReader(good)); err != nil {
		t.Fatalf("the unedited file does not load: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	good := modelBytes(f, trainFixture(f, WithHoldOut(0), WithFeatures(Features{MinWordN: 1, MaxWordN: 1, MinCharN: 3, MaxCharN: 3, HashBits: 10, CharWeight: 1})))
	f.Add(good)
	f.Add(good[:headerLen])
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Read(bytes.NewReader(data))
		if err == nil {
			m.Classify("does it still classify")
		}
	})
}

// FuzzDecode fuzzes the payload behind a valid header and checksum, which
// random changes to a whole file would rarely reach.
func FuzzDecode(f *testing.F) {
	good := modelBytes(f, trainFixture(f, WithHoldOut(0), WithFeatures(Features{MinWordN: 1, MaxWordN: 1, MinCharN: 3, MaxCharN: 3, HashBits: 10, CharWeight: 1})))
	f.Add(good[headerLen:])
	f.Add(good[headerLen : headerLen+70])
	f.Fuzz(func(t *testing.T, payload []byte) {
		m, err := Read(bytes.NewReader(withPayload(payload)))
		if err != nil {
			if !errors.Is(err, ErrBadModel) {
				t.Fatalf("error %v does not wrap ErrBadModel", err)
			}
			return
		}
		label, conf := m.Classify("does it still classify")
		if label == "" || !(conf >= 0 && conf <= 1) {
			t.Fatalf("loaded model classified as %q with %v", label, conf)
		}
	})
}
