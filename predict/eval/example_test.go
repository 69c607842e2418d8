package eval_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/caseagent/caseagent/predict/eval"
	"github.com/caseagent/caseagent/predict/textclass"
)

func ExampleRun() {
	export := `subject,body,category
Refund,I was charged twice for my plan,billing
Invoice,The invoice shows the wrong amount,billing
Extra fee,Why is there an extra fee on my bill?,billing
Double charge,Please refund the double charge,billing
Card billed,My card was billed twice,billing
Late,Where is my order? It has not arrived,shipping
Lost parcel,The parcel never arrived,shipping
Address,Delivery went to the wrong address,shipping
Tracking,Tracking has not moved in a week,shipping
Damaged,The box arrived damaged in transit,shipping
`
	cols := eval.Columns{Text: []string{"subject", "body"}, Labels: []string{"category"}}
	records, err := eval.ReadCSV(strings.NewReader(export), cols)
	if err != nil {
		log.Fatal(err)
	}
	train, test, err := eval.Split(records, "category", 0.4, 1)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	models, err := eval.Train(ctx, train, cols.Labels, textclass.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	fields := eval.Fields(cols.Labels, records)
	report, err := eval.Run(ctx, textclass.NewPredictor(models), fields, test)
	if err != nil {
		log.Fatal(err)
	}
	f, _ := report.Field("category")
	fmt.Printf("%d trained, %d tested: accuracy %.2f, macro-F1 %.2f\n", len(train), len(test), f.Accuracy, f.MacroF1)
	// Output:
	// 6 trained, 4 tested: accuracy 0.75, macro-F1 0.73
}

func ExampleReadCSV_error() {
	_, err := eval.ReadCSV(strings.NewReader("body,category\nhello,\n"), eval.Columns{Text: []string{"body"}, Labels: []string{"category"}})
	fmt.Println(err)
	// Output:
	// eval: line 2: empty label in column "category"
}

func ExampleTrainBaseline() {
	export := `body,category
I was charged twice for my plan,billing
The invoice shows the wrong amount,billing
Why is there an extra fee on my bill?,billing
Please refund the double charge,billing
Where is my order? It has not arrived,shipping
The parcel never arrived,shipping
Delivery went to the wrong address,shipping
Tracking has not moved in a week,shipping
`
	cols := eval.Columns{Text: []string{"body"}, Labels: []string{"category"}}
	records, err := eval.ReadCSV(strings.NewReader(export), cols)
	if err != nil {
		log.Fatal(err)
	}
	b, err := eval.TrainBaseline(context.Background(), records, cols.Labels, eval.BaselineConfig{})
	if err != nil {
		log.Fatal(err)
	}
	label, _ := b.Classify("category", "my parcel has not arrived")
	fmt.Println(label)
	// Output:
	// shipping
}
