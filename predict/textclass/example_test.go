package textclass_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/textclass"
)

func history() []textclass.Example {
	return []textclass.Example{
		{Text: "I was charged twice this month", Label: "billing"},
		{Text: "Please refund the extra fee on my invoice", Label: "billing"},
		{Text: "The invoice amount is wrong", Label: "billing"},
		{Text: "Me cobraron dos veces", Label: "billing"},
		{Text: "Where is my order?", Label: "shipping"},
		{Text: "The parcel has not arrived yet", Label: "shipping"},
		{Text: "Delivery went to the wrong address", Label: "shipping"},
		{Text: "Mi pedido no ha llegado", Label: "shipping"},
	}
}

func ExampleTrain() {
	m, err := textclass.Train(context.Background(), history(), textclass.WithSeed(42))
	if err != nil {
		log.Fatal(err)
	}
	label, confidence := m.Classify("my order still has not arrived")
	fmt.Println(label, confidence > 0.5)
	label, _ = m.Classify("¿por qué me cobraron dos veces?")
	fmt.Println(label)
	// Output:
	// shipping true
	// billing
}

func ExampleModel_Scores() {
	m, err := textclass.Train(context.Background(), history())
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range m.Scores("refund the invoice") {
		fmt.Printf("%s %.0f%%\n", s.Label, 100*s.Probability)
	}
	// Output:
	// billing 97%
	// shipping 3%
}

func ExampleRead() {
	m, err := textclass.Train(context.Background(), history())
	if err != nil {
		log.Fatal(err)
	}
	var file bytes.Buffer
	if _, err := m.WriteTo(&file); err != nil {
		log.Fatal(err)
	}
	loaded, err := textclass.Read(&file)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(loaded.Labels())
	_, err = textclass.Read(bytes.NewReader([]byte("not a model")))
	fmt.Println(err)
	// Output:
	// [billing shipping]
	// textclass: bad model file: 11 bytes, shorter than the 24-byte header
}

func ExampleTrainFewShot() {
	field := predict.Field{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{
		{Value: "billing"}, {Value: "shipping"}, {Value: "access", Label: "account access"},
	}}
	m, err := textclass.TrainFewShot(context.Background(), field, map[string][]string{
		"billing":  {"I was charged twice", "refund the fee on my invoice", "me cobraron dos veces"},
		"shipping": {"my parcel has not arrived", "the delivery is late", "mi pedido no ha llegado"},
		"access":   {"I cannot log in", "reset my password", "no puedo entrar en mi cuenta"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, text := range []string{"where is my parcel?", "why was I charged twice", "no puedo iniciar sesión, la contraseña no funciona"} {
		label, _ := m.Classify(text)
		fmt.Println(label)
	}
	// Output:
	// shipping
	// billing
	// access
}
