package instruct

// The words instructions are recognised by, folded (lower case, without
// diacritics), in English, Spanish, German, Portuguese, French, Italian
// and Dutch. They describe the structure of an instruction (who it is
// addressed to, the imperative, what it applies to), not fixed sentences.

// kind says which lists a word is on.
type kind uint16

// The kinds of word a line is read for.
const (
	kStrong      kind = 1 << iota // an addressee or a role
	kOrder                        // an order verb
	kOverride                     // an override verb
	kObject                       // what an override drops
	kQuote                        // a quote verb
	kLinker                       // a linker
	kName                         // the first word of a field's name
	kValue                        // the first word of an option's name
	kPhraseFirst                  // the first word of an injection phrase
	kPairFirst                    // the first word of an injection phrase of two words or more
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

var (
	// addressees are the machine readers an instruction is addressed to.
	// People ("support", "team", "agent") are not: a note for them is the
	// customer's to write.
	// machineAddressees may follow words of their own ("Automated triage
	// bot:", "Hey assistant:"): unlike "system" ("Operating system:"),
	// they name no part of a device.
	machineAddressees = set("assistant", "assistent", "asistente", "assistente", "assistenten", "ai", "ki", "ia", "bot", "chatbot", "llm", "gpt", "copilot")
	addressees        = set(
		"system", "systeme", "sistema", "systeem", "ticketsystem", "ticketsysteem", "ticketingsystem",
		"assistant", "assistent", "asistente", "assistente", "assistenten",
		"ai", "ki", "ia", "bot", "chatbot", "llm", "gpt", "copilot", "tool", "herramienta", "werkzeug",
		"outil", "strumento", "ferramenta", "automation", "automatisierung",
	)
	// bracketRoles pose as a turn only in brackets or after a heading
	// mark ("[admin]", "### Instruction"): "Model: X200" names a device.
	bracketRoles = set("instruction", "instructions", "admin", "administrator", "model", "inst", "sys", "prompt", "developer", "user")
	// roleLeads may come before an addressee: "Note for the ticketing
	// system:", "Anweisung an den Assistenten:", "Chère IA,".
	roleLeads = set(
		"note", "notes", "message", "instruction", "instructions", "hint", "attention", "important", "dear", "hey", "hi", "hello",
		"to", "for", "the", "our", "your", "this", "ticketing", "ticket", "tickets", "support", "helpdesk", "case", "internal",
		"nota", "mensaje", "instruccion", "instrucciones", "aviso", "al", "el", "la", "para", "querido", "querida", "estimado", "estimada", "hola", "del", "de",
		"hinweis", "notiz", "nachricht", "anweisung", "anweisungen", "an", "fur", "den", "die", "das", "dem", "der", "liebe", "lieber", "hallo", "hinweise",
		"mensagem", "instrucao", "instrucoes", "ao", "a", "o", "caro", "cara", "prezado", "prezada", "ola",
		"remarque", "consigne", "consignes", "pour", "le", "l", "au", "cher", "chere", "bonjour", "destination",
		"istruzione", "istruzioni", "messaggio", "per", "il", "lo", "all", "gentile", "ciao",
		"notitie", "bericht", "instructie", "instructies", "voor", "het", "aan", "beste", "hoi",
	)
	// addresseeTails may follow an addressee: "ticket system", "sistema de
	// tickets", "système de tickets", "sistema di ticketing".
	addresseeTails = set("de", "di", "of", "tickets", "ticket", "ticketing", "support", "soporte", "suporte", "helpdesk", "ia", "ai", "ki")

	// overrideVerbs tell the reader to drop what it was told.
	overrideVerbs = set(
		"ignore", "ignoring", "disregard", "forget", "override", "bypass", "skip",
		"ignora", "ignore", "ignoren", "ignorar", "olvida", "olvide", "olviden", "olvidar", "omite", "omita",
		"ignoriere", "ignorieren", "ignorier", "vergiss", "vergessen", "missachte", "uberschreibe",
		"esqueca", "esquece", "esquecam", "ignorem", "desconsidere",
		"ignorez", "oublie", "oubliez", "ignorer", "oublier",
		"ignorate", "ignorare", "dimentica", "dimenticate", "dimenticare", "trascura",
		"negeer", "negeren", "vergeet", "vergeten",
	)
	// overrideObjects are what an override drops: the reader's own
	// instructions. "Forget the above, the cable was loose" and "ignore
	// my previous email" are the customer's to say: what comes before
	// counts only after an addressee ("Sistema: olvida lo anterior").
	overrideObjects = set(
		"instructions", "instruction", "prompt", "prompts", "rules", "guidelines", "directives", "policy", "policies",
		"instrucciones", "instruccion", "reglas", "directrices",
		"anweisungen", "anweisung", "regeln", "richtlinien", "vorgaben",
		"instrucoes", "instrucao", "regras", "diretrizes",
		"consignes", "regles", "directives",
		"istruzioni", "istruzione", "regole", "direttive",
		"instructies", "regels", "richtlijnen",
	)
	// ownMessages name the customer's own earlier message: "ignore my
	// previous email" takes back what the customer said.
	ownMessages = set(
		"email", "mail", "message", "e", "correo", "mensaje", "nachricht", "mensagem", "courriel", "messaggio", "bericht",
		"reply", "answer", "respuesta", "antwort", "resposta", "reponse", "risposta", "antwoord", "question", "pregunta", "frage", "pergunta", "domanda", "vraag",
	)
	// setVerbs ask for a field to be given a value.
	setVerbs = set(
		"set", "change", "update", "mark", "assign", "switch", "classify", "categorize", "categorise", "escalate", "put", "file",
		"tag", "record", "enter", "fill", "flag", "label", "move", "make", "copy", "apply", "use", "treat",
		"establece", "establezca", "establecer", "pon", "ponga", "poner", "cambia", "cambie", "cambiar", "marca", "marque", "marcar",
		"asigna", "asigne", "asignar", "clasifica", "clasifique", "clasificar", "actualiza", "actualice", "actualizar", "modifica",
		"modifique", "modificar", "escala", "escale", "registra", "registre", "copie", "copia", "copien", "define", "defina",
		"setze", "setzen", "setz", "andere", "andern", "aendere", "markiere", "markieren", "ordne", "ordnen", "stelle", "stellen",
		"trage", "tragen", "aktualisiere", "klassifiziere", "eskaliere", "ubernimm", "ubernehmen", "kopiere", "weise",
		"definir", "altere", "alterar", "altera", "mude", "mudar", "muda", "coloque", "coloca", "classifique", "classificar",
		"classifica", "atribua", "atualize", "atualizar", "registe", "registre", "copiem",
		"mets", "mettez", "mettre", "change", "changez", "changer", "modifie", "modifiez", "marquez", "classe", "classez",
		"classer", "attribue", "attribuez", "passe", "passez", "definis", "definissez", "recopiez", "recopie", "copiez", "indiquez", "indique",
		"imposta", "impostate", "impostare", "cambiate", "cambiare", "modificate", "segna", "segnate", "metti", "mettete",
		"classificate", "classificare", "assegna", "assegnate", "aggiorna", "aggiornate", "inserisci", "copiate",
		"zet", "zetten", "wijzig", "wijzigen", "verander", "veranderen", "markeer", "deel", "stel", "classificeer", "wijs",
		"plaats", "pas", "neem", "kopieer", "vul",
		// Plural and polite forms, infinitives after "veuillez", "bitte".
		"actualicen", "cambien", "pongan", "establezcan", "marquen", "asignen", "clasifiquen", "modifiquen", "registren",
		"atualizem", "mudem", "alterem", "definam", "coloquem", "marquem", "classifiquem", "atribuam",
		"modifier", "indiquer", "passer", "attribuer", "marquer", "mettre", "definir", "inscrire", "inscrivez",
		"setzt", "andert", "tragt", "stellt", "markiert",
		"modificare", "mettere", "segnare", "assegnare", "aggiornare",
		"wijzigt", "zetten", "markeren", "invullen",
	)
	// passives make an order of a verb's participle or infinitive: "the
	// priority must be set to Urgent", "debe ser cambiada".
	passives = set("be", "been", "being", "is", "are", "ser", "sea", "sein", "werden", "wird", "etre", "soit", "essere", "sia", "worden", "wordt", "zijn")
	// pronouns before a verb make it the customer's account ("I set the
	// thermostat to 20"), not an order.
	pronouns = set(
		"i", "we", "they", "he", "she", "it", "you", "ive", "weve",
		"yo", "nosotros", "ella", "el", "ellos", "ich", "wir", "er", "sie", "es", "man", "habe", "hab", "haben", "hat",
		"eu", "nos", "ele", "ela", "je", "j", "nous", "il", "elle", "on", "io", "noi", "lui", "lei", "ik", "wij", "ze", "hij", "zij",
		"he", "hemos", "ha", "has", "have", "had", "has", "ai", "avons", "ho", "abbiamo", "heb", "hebben", "heeft", "tenho", "temos",
	)
	// leads may stand before an imperative: "please set", "bitte setze".
	leads = set(
		"please", "pls", "plz", "kindly", "also", "now", "and", "then", "just", "immediately", "so", "first", "next", "finally",
		"por", "favor", "tambien", "ahora", "y", "luego", "bitte", "auch", "jetzt", "und", "dann", "sofort",
		"tambem", "agora", "e", "depois", "svp", "aussi", "maintenant", "et", "puis", "merci", "de",
		"anche", "ora", "subito", "poi", "alstublieft", "alsjeblieft", "graag", "ook", "nu", "en", "dan",
		"veuillez", "vous", "prie", "sie", "usted", "ustedes", "voce", "voces",
	)
	// conjunctions join a clause of its own: "... and set the priority".
	conjunctions = set("and", "then", "y", "luego", "und", "dann", "e", "depois", "et", "puis", "poi", "en", "dan")
	// linkers join a field to the value an instruction gives it.
	linkers = set(
		"to", "as", "into", "under", "at", "a", "en", "como", "para", "auf", "zu", "in", "als", "em", "sur", "comme", "dans",
		"su", "come", "op", "naar", "tot", "onder", "der", "na", "no", "nel", "nella",
	)
	// dets may stand between a verb and what it applies to.
	dets = set(
		"the", "my", "our", "this", "its", "that", "a", "an", "tickets", "ticket", "case", "field", "value",
		"el", "la", "los", "las", "del", "de", "este", "esta", "su", "der", "die", "das", "den", "dem", "des", "diesen", "dieses", "fall", "feld",
		"o", "os", "as", "do", "da", "caso", "campo", "le", "les", "l", "du", "ce", "cette", "ticket", "dossier",
		"il", "lo", "gli", "dello", "della", "questo", "questa", "het", "deze", "dit", "zaak", "melding", "veld",
	)
	// fieldNamesByLanguage are how the common helpdesk fields are named in
	// the supported languages, keyed by the English name's folded words.
	fieldNamesByLanguage = map[string][]string{
		"priority":      {"prioridad", "prioritat", "prioritaet", "prioridade", "priorite", "priorita", "prioriteit", "urgency", "urgencia", "dringlichkeit", "urgence", "urgenza", "urgentie"},
		"category":      {"categoria", "kategorie", "categorie", "category"},
		"product":       {"producto", "produkt", "produto", "produit", "prodotto"},
		"serial number": {"numero de serie", "seriennummer", "numero di serie", "serienummer", "serial", "n de serie", "no de serie"},
		"status":        {"estado", "statut", "stato"},
		"severity":      {"severidad", "schweregrad", "gravidade", "gravite", "gravita", "ernst"},
		"contact":       {"contacto", "kontakt", "contato", "contatto"},
		"order number":  {"numero de pedido", "bestellnummer", "numero da encomenda", "numero do pedido", "numero de commande", "numero d ordine", "numero dell ordine", "bestelnummer"},
	}
	// aboveWords after a few words: "olvida lo anterior", "oubliez ce qui
	// précède", "vergiss den Text oben".
	injectionPhrases = [][]string{
		{"you", "are", "now"}, {"admin", "mode"}, {"developer", "mode"}, {"god", "mode"}, {"debug", "mode"}, {"system", "prompt"},
		{"new", "instructions"}, {"jailbreak"}, {"ahora", "eres"}, {"du", "bist", "jetzt"}, {"tu", "es", "maintenant"},
		{"agora", "es"}, {"ora", "sei"}, {"je", "bent", "nu"}, {"modo", "administrador"}, {"admin", "modus"},
		{"nuevas", "instrucciones"}, {"neue", "anweisungen"}, {"novas", "instrucoes"}, {"nouvelles", "instructions"},
		{"nuove", "istruzioni"}, {"nieuwe", "instructies"},
	}
	// wordKinds says which lists a word is on, for reading a line once.
	wordKinds = func() map[string]kind {
		m := map[string]kind{}
		for _, l := range []struct {
			words map[string]bool
			kind  kind
		}{
			{addressees, kStrong}, {bracketRoles, kStrong}, {setVerbs, kOrder}, {overrideVerbs, kOverride},
			{overrideObjects, kObject}, {quoteVerbs, kQuote}, {linkers, kLinker},
		} {
			for w := range l.words {
				m[w] |= l.kind
			}
		}
		for _, p := range injectionPhrases {
			m[p[0]] |= kPhraseFirst
			if len(p) == 1 {
				m[p[0]] |= kStrong
			} else {
				m[p[0]] |= kPairFirst
			}
		}
		return m
	}()
	// phrasePairs are the first two words of the injection phrases.
	phrasePairs = func() map[string]bool {
		m := map[string]bool{}
		for _, p := range injectionPhrases {
			if len(p) > 1 {
				m[p[0]+" "+p[1]] = true
			}
		}
		return m
	}()
	// complements are the prepositions that make what follows them say
	// which thing an order is about.
	complements = set("for", "of", "from", "para", "del", "fur", "fuer", "von", "vom", "pour", "du", "des", "per", "della", "dello", "dell", "voor", "van")
	// quoteVerbs plant evidence: "quote 'the app shows it online'".
	quoteVerbs = set("quote", "cite", "cita", "citez", "cite", "zitiere", "citeer", "citi")
)
