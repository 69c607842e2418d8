package pgtest

// WithDatabase exposes withDatabase to the tests.
var WithDatabase = withDatabase
