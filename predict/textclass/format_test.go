package textclass

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
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
	t.Run("small", func(t *testing.T) { testSaveLoad(t, trainFixture(t)) })
	// Enough held-out examples for a confidence map.
	m, err := Train(context.Background(), ambiguous(800, []float64{3, 2, 1}, 0.3, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Calibration().Knots) == 0 {
		t.Fatal("no confidence map with 800 held-out examples")
	}
	t.Run("knots", func(t *testing.T) { testSaveLoad(t, m) })
}

func testSaveLoad(t *testing.T, m *Model) {
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
		{"future version", edit(func(b []byte) { b[8] = 3 })},
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
		{"prior correction above 1", editPayload(func(p []byte) []byte {
			binary.LittleEndian.PutUint64(p[54:], math.Float64bits(1.5))
			return p
		})},
		{"knots announced beyond the end", editPayload(func(p []byte) []byte {
			binary.LittleEndian.PutUint32(p[70:], 1<<20)
			return p
		})},
		{"zero temperature", editPayload(func(p []byte) []byte {
			binary.LittleEndian.PutUint64(p[18:], 0)
			return p
		})},
		{"one label", editPayload(func(p []byte) []byte {
			binary.LittleEndian.PutUint32(p[82:], 1)
			return p
		})},
		{"huge label count", editPayload(func(p []byte) []byte {
			binary.LittleEndian.PutUint32(p[82:], 1<<30)
			return p
		})},
		{"unsorted labels", editPayload(func(p []byte) []byte {
			// "account" becomes "zccount", after "billing".
			p[88] = 'z'
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

// TestReadVersion1 reads a file of the first version, which has no
// folds, prior correction or held-out macro-F1.
func TestReadVersion1(t *testing.T) {
	m := trainFixture(t)
	good := modelBytes(t, m)
	p := bytes.Clone(good[headerLen:])
	// The version 2 fields follow Error, which ends at byte 50.
	p = append(p[:50:50], p[74:]...)
	b := withPayload(p)
	binary.LittleEndian.PutUint32(b[8:], 1)
	old, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := m.Calibration()
	want.Folds, want.PriorCorrection, want.MacroF1 = 1, 0, 0
	if diff := cmp.Diff(want, old.Calibration()); diff != "" {
		t.Errorf("calibration of a version 1 file (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(m.Info(), old.Info()); diff != "" {
		t.Errorf("Info of a version 1 file (-want +got):\n%s", diff)
	}
	for _, text := range []string{"refund my invoice", "parcel is late"} {
		if diff := cmp.Diff(m.Scores(text), old.Scores(text)); diff != "" {
			t.Errorf("Scores(%q) (-version 2 +version 1):\n%s", text, diff)
		}
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
