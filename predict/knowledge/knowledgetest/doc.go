// Package knowledgetest holds the conformance suites of the knowledge
// package's interfaces and a labelled set to measure retrieval.
//
// RunStore proves a knowledge.Store: writes, reads, replacement,
// deletion, paging, copies, invalid articles refused, cancelled contexts,
// concurrency, and, when the store is also a knowledge.Searcher, that its
// search passes RunRetriever and follows every change. RunRetriever proves
// a knowledge.Retriever: ranking, filters (language, product, category,
// validity, ids), limits, stemming and accents, passages that occur in
// their article, and concurrent use.
//
// EvalSet and Evaluate measure a retriever on labelled queries (recall at
// 3, mean reciprocal rank); the articles and queries were written for
// this project in seven languages.
package knowledgetest
