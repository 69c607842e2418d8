// Package redact removes secrets from text that is about to be logged,
// stored or returned: error messages of providers and servers that echo
// what they were sent.
//
// String replaces, with Mask:
//   - every secret the caller knows and passes (API keys, HMAC keys,
//     passwords, tokens), as written, URL-encoded, or in hex or base64;
//   - API keys of the common shapes: OpenAI and compatible ("sk-..."),
//     Anthropic ("sk-ant-..."), Google ("AIza..."), AWS access key ids
//     ("AKIA..."), GitHub, GitLab, Slack and Hugging Face tokens, and
//     JSON Web Tokens;
//   - the credentials of Authorization values ("Bearer ...", "Basic ...",
//     "token ..."), and of fields and parameters named like secrets
//     (api_key, token, password, secret, signature, ...);
//   - the password of a URL ("scheme://user:password@host").
//
// Redaction is for text people and stores read; it does not make a
// secret safe to put into text in the first place. Everything in the
// package is safe for concurrent use.
package redact
