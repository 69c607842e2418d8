// Package heuristic is the offline default [predict.Predictor]: no
// network, no model, deterministic, fast enough to run on every message.
// It reads what the customer wrote (customer messages and email
// subjects, never quoted history) and, of representative turns, only a
// question the customer confirms, a statement that the product lacks
// what was asked or that the request goes on as a suggestion, and, when
// the customer names no option, the one option a representative's
// statement names ("Those white boxes are our M10 mesh nodes"); everything
// it knows about a tenant comes from the request's fields: their types,
// patterns, options and descriptions.
//
// Per kind of field:
//
//   - Contacts (lookup fields with Lookup "contacts"): the channel's
//     authenticated contact first (no evidence needed); then, through the
//     request's Directory, sender addresses of emails, addresses and phone
//     numbers in the customer's text (any common notation), and full names
//     ("my name is ...", "this is ...", "... here", "it's me, ...",
//     "soy ...", "ich bin ...", "aqui é a ...", "c'est ... ici",
//     "sono ...", "mi chiamo ...", "hier is ...", "u spreekt met ...",
//     sign-off lines, signatures, the email display name). An ambiguous
//     answer is none.
//   - Identifiers (text fields with a Pattern): substrings that match the
//     pattern, letters in any case when upper-casing makes them match. The
//     customer's latest value wins ("sorry, the right one is ..."); values
//     they deny ("not SN-...") lose. Values only in quoted history, in
//     signatures or in representative turns do not count, with one
//     exception: a representative's question naming one value that the
//     customer answers with a plain yes ("Is the serial SN-...?" "yes")
//     counts, with less confidence, as the customer's. The same holds for
//     an option named in such a question.
//   - Email fields: the sender of the latest customer email, else the
//     latest address the customer wrote.
//   - Choice fields and lookups with options: explicit mentions of an
//     option's value, label or aliases ("Also called X200, X-200."),
//     tolerant of case, punctuation, spacing and small misspellings;
//     denied mentions ("not the X200", "no es el", "nicht der", "não é o",
//     "pas le") rule an option out, and in a correcting sentence ("sorry,
//     it's the X300") the correction wins. Otherwise the customer's words
//     are compared with each option's description: its "Use when" phrases
//     speak for it and its "Not for" phrases against it. Both sides are
//     read through a cue lexicon of common support situations in English,
//     Spanish, German, Portuguese, French, Italian and Dutch (a device that restarts,
//     "startet neu", "se reinicia"; money charged twice, "zweimal
//     abgebucht", "débité deux fois"), so that a description written in
//     one language matches messages in another; a one-word value
//     ("Returns") is mentioned by its situation in any words or language
//     ("devolver", "send it back"), and a common-word value ("High") only
//     by the word or its plural, not by "higher"; a word of degree
//     ("High", "Normal") only next to the field's name ("priority:
//     high"), never in "a high bill" or "it gets normally warm". A
//     question answered "that does not exist" that the customer follows
//     up is a wish, not a question of how. Impact decides priority:
//     a safety risk, an outage, a business or a team stopped, money
//     charged wrongly; negation ("kein Notfall", "niente di urgente") and
//     workarounds ("met een kabel werkt alles") lower it unless the
//     customer later says it got worse ("ha ido a peor"), and the
//     customer's own verdict ("URGENT!!!", "¡¡URGENTE!!") is no evidence
//     at all. What the customer adds in passing ("by the way",
//     "übrigens", "au passage", "PS") weighs as little as what they
//     retract, and so does thanks or praise for something done before
//     ("complimenti per la spedizione", "bedankt voor de snelle
//     vervanging") unless it turns with a "but"; a representative who sends the steps ("je vous
//     envoie les étapes") or leads through the app's menus ("Rede Mesh >
//     Adicionar nó") answers a question of how to do it, unless of a
//     matter the customer then closed. Of several
//     products named, one the customer replaced ("from the X200 to the
//     X300", "the old one"), had in a year gone by ("last autumn"), says
//     works or covers the home, or lists among the home's devices
//     ("the X200 in the hall, the thermostat, a few plugs and the Cam4")
//     gives way to the one the need is about; of several order numbers,
//     one of a year gone by gives way likewise. A device that burns or
//     melts is a fault whatever the customer asks about it. A name
//     that describes rather than names (three content
//     words, such as "verify my identity") does not decide alone, nor
//     does a name when another option's description fits the words
//     better. Under the minimum confidence the predictor abstains, and a
//     single message (an email
//     reply) overturns the value the case already has (Request.Known) only
//     when the match is clear or the customer says it got worse. Options without descriptions answer only to
//     model-code-like names ("X200"). For a field of which three options
//     or more are named by kinds of request ("Product defect", "How-to",
//     "Feature request": the first concept of each label), an embedded
//     classifier of the customer's whole text, trained on the project's
//     own stories in seven languages, reads which kind the request is;
//     among the options the customer's words speak for, the one it reads
//     as likeliest gains by its margin over the next
//     ([WithIntentClassifier] replaces it or turns it off). A [Classifier] trained on the
//     tenant's history can take the place of description similarity for
//     a field ([WithClassifier]); strong explicit mentions still win.
//   - Descriptions (text fields whose description speaks of the customer's
//     need, issue or problem): the one or two customer sentences that say
//     the most about it, greetings and thanks left out, within 300
//     characters, led by the name of the product the case is about when
//     they do not name it, with the customer's own word for the kind of
//     device when the name says only the model ("T2 (thermostat): the
//     screen went blank"); what is said in passing, what happened a
//     year ago and a list of the home's devices rank last, and an
//     email's subject takes the place of a second sentence that says
//     little more. A chat told in short answers is described by its
//     short sentence that names the need ("mijn account is
//     geblokkeerd"). Of the leading sentences, one that an embedded
//     sentence classifier reads as the need counts up to twice: trained
//     on the customer sentences of the project's own stories in seven
//     languages, it tells the sentence that says what the customer
//     needs from their circumstances better than word cues do
//     ([WithNeedClassifier] replaces it or turns it off).
//     Forwarded mail headers and messages that only say the problem is
//     solved ("thanks, that fixed it", not "can you sort it?") describe
//     nothing. Titles (fields described as a short title): the email
//     subject, else the most informative sentence, cut to the stated
//     length. Other free-text fields are left alone.
//
// Confidences of option answers are measured, not chosen: every answer
// names its kind of evidence (a correction, a mention and its margin,
// description similarity and its share, among few or many rival options)
// and takes the share of such answers that were right on text the
// predictor had not been changed for: the first replays of the project's
// story batches, each recorded before the predictor was changed for that
// batch (testdata/firstrun), and labelled phrases of another domain
// (calibration_table.go, regenerated by "go test ./predict/heuristic -run
// TestCalibrationTable -update-calibration" and checked on every test
// run). A score between two bins' middles is read on the line between
// their shares, and each labelled answer counts towards both, so that
// answers either side of a bin's edge get no step between them.
// Measured with one batch left out and applied to it, the expected
// calibration error has stayed between 0.005 and 0.03 as batches were
// added. The first replays were answered by earlier versions of the
// predictor, so on stories it now passes the table is under-confident
// rather than over-confident: a mid-share category
// answer gets about 0.75. On schemas of another domain (banking intents)
// the table is optimistic. Choose a field's threshold from an evaluation
// on the tenant's own cases.
//
// Sentences that read as instructions to the system are not read as
// facts for any field: not for identifiers, addresses, options, category
// cues or descriptions. Which they are is the shared detector's decision
// (package predict/instruct), in every supported language: lines posing
// as another party's turn ("SYSTEM: ...", "Note for the ticketing
// system:", "Anweisung an den Assistenten:"), orders to ignore what the
// reader was told or to quote something, and imperatives that give a
// requested field one of its values ("set the order number to ...",
// "setze die Priorität auf Urgent", "priority=Urgent"). What a customer
// says of their own situation ("please treat this as urgent", "I set the
// lamp to blue", "can you change my address") stays a fact. Text the
// customer passes on (a forwarded message, quoted lines) names things
// but does not count towards a classification, and its label lines
// ("Priority: Urgent") are no evidence.
//
// Every prediction quotes the words it came from, so [predict.Validate]
// keeps it. Matchers are compiled once per field definition and cached
// ([WithCacheSize]); [Compile] prepares a schema ahead of time and reports
// fields it cannot use.
package heuristic
