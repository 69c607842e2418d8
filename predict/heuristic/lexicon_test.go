package heuristic

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func termKeys(text string) []string {
	var out []string
	for _, t := range defaultLexicon().terms(tokenize(text, nil), nil) {
		if t.key[0] == '#' && !slices.Contains(out, t.key) {
			out = append(out, t.key)
		}
	}
	return out
}

// TestLexiconLanguages checks that the same situation reads as the same
// concept in the seven languages.
func TestLexiconLanguages(t *testing.T) {
	tests := []struct {
		concept string
		texts   []string
	}{
		{"#reboot", []string{"it keeps rebooting", "se reinicia solo", "startet ständig neu", "reinicia sozinho", "il redémarre tout seul", "si riavvia da solo", "hij herstart steeds"}},
		{"#charge", []string{"I was charged twice", "me cobraron", "wurde abgebucht", "fui cobrado", "j'ai été débité", "mi hanno addebitato", "er is twee keer afgeschreven"}},
		{"#refund", []string{"I want a refund", "quiero un reembolso", "bitte um Erstattung", "quero o reembolso", "je veux un remboursement", "vorrei un rimborso", "ik wil mijn geld terug"}},
		{"#duplicate", []string{"charged twice", "dos veces", "zweimal", "duas vezes", "deux fois", "due volte", "twee keer"}},
		{"#malfunction", []string{"it stopped working", "no funciona", "funktioniert nicht", "não funciona", "ne fonctionne pas", "non funziona più", "het werkt niet"}},
		{"#lost", []string{"the parcel never arrived", "no ha llegado", "ist nicht angekommen", "não chegou", "colis pas reçu", "il pacco non è mai arrivato", "het pakket is nooit aangekomen"}},
		{"#return", []string{"I want to send it back", "quiero devolverlo", "ich möchte es zurückschicken", "quero devolver", "je veux le retourner", "vorrei restituirlo", "ik wil hem terugsturen"}},
		{"#howto", []string{"how do I set it up", "¿cómo puedo configurarlo?", "wie kann ich das einstellen", "como posso configurar", "comment faire pour", "come faccio a configurarlo", "hoe kan ik dat instellen"}},
		{"#signin", []string{"I can't log in", "no puedo iniciar sesión", "ich kann mich nicht anmelden", "não consigo fazer login", "je ne peux pas me connecter", "non riesco ad accedere", "ik kan niet inloggen"}},
		{"#safety", []string{"it is smoking", "sale humo", "es kommt Rauch", "sai fumaça", "il y a de la fumée", "esce del fumo", "er komt rook uit"}},
		{"#security", []string{"my account was hacked", "me han hackeado", "mein Konto wurde gehackt", "fui hackeado", "mon compte a été piraté", "il mio account è stato violato", "mijn account is gehackt"}},
		{"#feature", []string{"please add a feature", "me gustaría una función", "ein Wunsch: bitte", "gostaria de uma funcionalidade", "je souhaite une fonctionnalité", "sarebbe bello avere questa funzionalità", "het zou handig zijn als"}},
		{"#resolved", []string{"thanks, that fixed it", "ya funciona, gracias", "es funktioniert wieder", "resolvido, obrigado", "c'est résolu", "ora funziona, risolto", "het is opgelost"}},
	}
	for _, tc := range tests {
		for _, text := range tc.texts {
			if got := termKeys(text); !slices.Contains(got, tc.concept) {
				t.Errorf("%q reads as %v, want %s", text, got, tc.concept)
			}
		}
	}
}

// TestLexiconNegation checks that denied situations do not count.
func TestLexiconNegation(t *testing.T) {
	for _, text := range []string{
		"it is not broken", "no problem at all", "I was not charged twice", "nothing is broken",
		"no está roto", "nicht kaputt", "não está quebrado", "pas de problème", "non è rotto", "het is niet kapot",
	} {
		for _, k := range termKeys(text) {
			if k == "#malfunction" || k == "#charge" || k == "#duplicate" {
				t.Errorf("%q reads as %s", text, k)
			}
		}
	}
	// A negated "works" is a malfunction.
	if got := termKeys("the app no longer works"); !slices.Contains(got, "#malfunction") {
		t.Errorf("got %v", got)
	}
}

func TestLexiconWellFormed(t *testing.T) {
	for line := range strings.SplitSeq(lexiconText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		head, body, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(head) == "" || strings.TrimSpace(body) == "" {
			t.Errorf("bad line %q", line)
			continue
		}
		for phrase := range strings.SplitSeq(body, "|") {
			p, _, _ := strings.Cut(phrase, "^")
			words := strings.Fields(strings.ReplaceAll(p, "!", ""))
			if len(words) == 0 {
				t.Errorf("%s: empty phrase", head)
			}
			if len(words) == 1 && stopWords[words[0]] && !strings.Contains(phrase, "^0.") {
				// "tot" is dead in German and "until" in Dutch; only a
				// faint signal ("ok^0.3") may be a function word.
				t.Errorf("%s: %q alone is a function word of a supported language", head, words[0])
			}
			for _, w := range words {
				if w != fold(w) || strings.ContainsAny(w, "'’") {
					t.Errorf("%s: %q is not folded", head, w)
				}
				if strings.HasSuffix(w, "*") && len(w) < 4 {
					t.Errorf("%s: prefix %q is too short", head, w)
				}
			}
		}
	}
}

// TestNegationScopeSkipsFunctionWords checks that a negation reaches as
// far in languages with pronouns and articles as it does in English.
func TestNegationScopeSkipsFunctionWords(t *testing.T) {
	tests := []struct {
		text string
		word string
		want bool
	}{
		{"without sharing my password", "password", true},
		{"sans lui donner mon mot de passe", "mot", true},
		{"ohne ihr mein Passwort zu geben", "passwort", true},
		{"not the camera, the doorbell rings", "rings", false},
		{"it does not work, the light blinks", "blinks", false},
		{"never again will the old router and modem blink", "blink", false},
	}
	for _, tc := range tests {
		toks := tokenize(tc.text, nil)
		i := slices.IndexFunc(toks, func(k token) bool { return k.fold == tc.word })
		if i < 0 {
			t.Fatalf("%q: no word %q", tc.text, tc.word)
		}
		if got := negated(toks, i); got != tc.want {
			t.Errorf("%q: %q negated = %v, want %v", tc.text, tc.word, got, tc.want)
		}
	}
}

// TestLexiconSituations checks readings that once went wrong: a code
// that does not arrive is not a lost parcel, and a light that stays on
// or a device that loses its connection misbehaves, in any language.
func TestLexiconSituations(t *testing.T) {
	tests := []struct {
		text    string
		want    string
		notWant string
	}{
		{"the app asks for a code but the SMS never arrives", "#code", "#lost"},
		{"Vorne hat das Glas einen Sprung und der Standfuß ist abgebrochen.", "#damaged", ""},
		{"la cámara tiene el vidrio de adelante estrellado", "#damaged", ""},
		{"Der Router drin klappert wenn man ihn bewegt", "#damaged", ""},
		{"mi avete fatto pagare la spedizione 6,90 euro ma c'era scritto spedizione gratuita", "#fee", "#delivery"},
		{"Die Versandkosten wurden doppelt berechnet", "#fee", "#delivery"},
		{"La necesito antes del 24 si es posible.", "", "#howto"},
		{"que ça remonte à 20 le jour du retour", "", "#return"},
		{"Il video va benissimo ma da qualche giorno non si sente più niente.", "#malfunction", ""},
		{"seit gestern kommt kein Ton mehr aus der Kamera", "#malfunction", ""},
		{"Prima funzionava, la usavo per parlare con mia madre", "#malfunction", ""},
		{"la telecamera che ho messo in giardino non va più", "#outdoor", ""},
		{"si quella col faro", "#floodlight", ""},
		{"hallo wo bleibt meine bestellung", "#late", ""},
		{"¿dónde está mi pedido? lo pedí hace dos semanas", "#late", ""},
		{"al ritorno dalle vacanze la casa deve essere calda", "", "#workaround"},
		{"de installateur zei dat we een ander soort aansluiting hebben", "", "#setup"},
		{"how do I install the outdoor camera?", "#setup", ""},
		{"Wenn möglich noch vor Freitag, bitte.", "", "#question"},
		{"¿Es posible cambiar la dirección de entrega?", "#howto", ""},
		{"il faut ouvrir l'appli et attendre qu'elle charge", "", "#charge"},
		// A security camera is a camera, no security risk.
		{"per una telecamera di sicurezza non è il massimo", "#camera", "#security"},
		{"es una cámara de seguridad, la del jardín", "#camera", "#security"},
		{"meine Sicherheitskamera im Garten", "#camera", "#security"},
		{"Internet in pratica non c'è, siamo tutti sul telefono.", "#outage", ""},
		{"No hay internet en toda la casa.", "#outage", ""},
		// German "Funktion" is a function, not "funktioniert"; "in
		// Planung" asks whether a wish is planned.
		{"so eine Funktion gibt es anscheinend nicht", "#lacks", "#workaround"},
		{"Ich suche eine Funktion für Urlaub", "", "#works"},
		{"X300: LAN-Port 2 ohne Funktion", "#malfunction", ""},
		{"Ist sowas vielleicht schon in Planung?", "#feature", "#subscription"},
		// Not finding where or how, in the past too, and "is there a way".
		{"ontem tentei umas três vezes e não achei onde faz isso no app", "#howto", ""},
		{"busqué en la app pero no encontré dónde se cambia", "#howto", ""},
		{"j'ai cherché partout mais pas trouvé où on règle ça", "#howto", ""},
		{"ho guardato nelle impostazioni ma non ho trovato dove si fa", "#howto", ""},
		{"hab in der app nicht gefunden wo man das einstellt", "#howto", ""},
		{"ik kon niet vinden waar je dat instelt", "#howto", ""},
		{"I couldn't find where to turn it on", "#howto", ""},
		{"Il y a moyen qu'elle s'éteigne toute seule à heure fixe ?", "#howto", ""},
		{"Is there any way to make it switch off on its own?", "#howto", ""},
		{"¿Hay manera de que se apague sola?", "#howto", ""},
		{"Tem jeito de programar para desligar sozinha?", "#howto", ""},
		{"C'è modo di farla spegnere da sola?", "#howto", ""},
		{"Gibt es eine Möglichkeit, das zu trennen?", "#howto", ""},
		{"Is er een mogelijkheid om dat per dag in te stellen?", "#howto", ""},
		{"ho fatto la spesa e ho lasciato le borse della spesa", "", "#fee"},
		{"non si può aggiungere con un aggiornamento?", "#feature", ""},
		{"a luz azul da tomada fica acesa o tempo todo", "#malfunction", ""},
		{"queria pôr o termostato em modo férias para não estar a aquecer a casa vazia", "", "#malfunction"},
		{"je coupe le chauffage pour ne pas gaspiller", "", "#malfunction"},
		{"il router non funziona per niente", "#outage", ""},
		{"tenho medo que os canos congelem", "", "#crash"},
		{"Quiero que me lo devolváis", "#refund", "#return"},
		{"é só isto que não sei fazer", "#howto", ""},
		{"Siamo tutti fermi e abbiamo una consegna oggi", "#outage", ""},
		{"qualcuno provava ad aprire il cancello del giardino", "", "#cancel"},
		{"kurzes Feedback bzw. ein Wunsch: Personenerkennung", "#feature", ""},
		{"comprei uma tomada inteligente e não sei onde é que a adiciono na app", "#howto", ""},
		{"I don't know where my parcel is", "", "#howto"},
		{"sorry im between calls so might be slow to reply", "", "#degraded"},
		{"Voor zover ik kan zien kan dat nu niet in de app.", "#lacks", "#howto"},
		{"Ho visto che per ora non c'è, ci state pensando?", "#feature", ""},
		{"Siamo uno studio di architettura, 9 persone", "#business", ""},
		{"de thermostaat en twee stekkers doen wat ze moeten doen", "#works", "#malfunction"},
		{"sarebbe utilissimo vedere i consumi", "#feature", ""},
		{"il termostato segna una temperatura più alta di quella reale", "#malfunction", ""},
		{"le thermostat passe en mode absence la veille de notre retour", "", "#return"},
		{"I bought it from your web shop", "", "#business"},
		{"I ordered an X300 router on March 3rd", "", "#works"},
		{"I work from home so the drops are annoying", "", "#works"},
		{"the thermostat went blank sometime Saturday night", "", "#degraded"},
		{"I flipped the breaker off and on, nothing", "", "#degraded"},
		{"the router sometimes drops the connection", "#degraded", ""},
		{"the router goes off and on all day", "#degraded", ""},
		{"vorrei che si accendesse alle sei e mezza. Dove si imposta?", "#howto", ""},
		{"ho alzato la temperatura impostata a 24", "", "#setup"},
		{"Purtroppo con la SmartPlug Mini questo non si può vedere", "#lacks", ""},
		{"Helaas kan dat niet met de T2", "#lacks", ""},
		{"Est-ce que vous pourriez ajouter un mode avec de gros boutons ?", "#feature", ""},
		{"Zit er een Nederlandse versie van de app aan te komen?", "#feature", ""},
		{"de bestelling komt er morgen aan", "", "#feature"},
		{"Pedido ORD-590314 ha llegado roto", "#damaged", ""},
		{"Necesito una que funcione, es para la entrada", "", "#works"},
		{"Se puede cambiar la dirección antes de que lo envíen?", "#delivery", ""},
		{"Por favor, me enviem a fatura corrigida.", "", "#delivery"},
		{"Heb al in de instellingen gekeken maar Nederlands staat er niet tussen.", "#lacks", ""},
		{"Zouden jullie de app ook in het Nederlands kunnen aanbieden?", "#feature", ""},
		{"Komt de Home app ook in het Nederlands?", "#feature", ""},
		{"Zou de Home-app ook een Nederlandse versie kunnen krijgen?", "#feature", ""},
		{"En la guía pone que hay que escanear un código QR", "#setup", "#signin"},
		{"gostava de partilhar as câmaras com o meu marido", "#setup", ""},
		{"Wir teilen uns das Abo zu viert", "", "#setup"},
		{"we've got zero internet in the house right now", "#outage", ""},
		{"op dit moment zit er in de Android-app helaas nog geen widget", "#lacks", ""},
		{"Jammer! Kunnen jullie dat niet toevoegen?", "#feature", ""},
		{"Der Hub ist noch originalverpackt, hab ihn gar nicht aufgemacht.", "#return", "#outage"},
		{"je suis la consommation de mes appareils (congélateur, chauffe-eau)", "", "#crash"},
		{"idéalement avec l'historique au complet", "", "#outage"},
		{"la pantalla se queda congelada", "#crash", ""},
		{"ogni volta che passo davanti mi arriva la notifica", "", "#workaround"},
		{"no recibo el código por SMS", "#code", "#invoice"},
		{"adjunto el recibo de marzo", "#invoice", ""},
		{"l'app Home non è disponibile in italiano", "#lacks", ""},
		{"la cámara no está disponible desde ayer", "", "#lacks"},
		{"no rastreio aparece que ta parado no centro de distribuição", "#delivery", "#malfunction"},
		{"Waar blijft mijn bestelling?", "#late", ""},
		{"sinds de verhuizing kraakt het geluid heel erg", "#malfunction", ""},
		{"das Mikrofon knackt und rauscht", "#malfunction", ""},
		{"Vocês podem me enviar a nota fiscal?", "#request", ""},
		{"vorrei che la lampada si accendesse da sola al tramonto", "#setup", "#malfunction"},
		{"la presa smart ogni tanto smette di rispondere dall'app", "#malfunction", ""},
		{"het zou binnen 2-3 werkdagen geleverd worden", "#delivery", "#indoor"},
		{"queria que meu marido também conseguisse ver as câmeras no celular dele", "#setup", ""},
		{"my X300 has been rebooting itself over and over since this morning", "#outage", ""},
		{"Tenho de lhe dar a minha password ou há outra forma?", "#howto", ""},
		{"la caméra extérieure marche très bien", "#works", ""},
		{"Tracking says it was delivered on Tuesday", "#lost", ""},
		{"el código nunca llega", "#code", "#lost"},
		{"the parcel never arrived", "#lost", ""},
		{"the floodlight stays on all night", "#malfunction", ""},
		{"die Kamera verliert nachts die WLAN-Verbindung", "#malfunction", ""},
		{"el hub no responde", "#malfunction", ""},
		{"I can't control anything at all", "#outage", ""},
		{"ninguna de las luces funciona", "#outage", ""},
		{"I've been setting it higher", "", "#setup"},
		{"ayer por la tarde", "", "#late"},
		{"me pide el código por SMS y no llega nunca", "#code", "#lost"},
		{"no me llega el código", "#code", "#lost"},
		{"le code de vérification n'arrive pas", "#code", "#lost"},
		{"il codice via SMS non arriva", "#code", "#lost"},
		{"de code per sms komt niet aan", "#code", "#lost"},
		{"der Code kommt nicht an", "#code", "#lost"},
		{"o código por SMS não chega", "#code", "#lost"},
		{"il termostato mostra il codice E4", "#malfunction", "#signin"},
		{"de thermostaat geeft drie graden te hoog aan", "#malfunction", ""},
		{"il riscaldamento non parte più", "#outage", ""},
		{"la double authentification m'envoie le code", "#code", "#duplicate"},
		{"die Zwei-Faktor-Authentifizierung schickt keinen Code", "#signin", ""},
		{"I reset it twice. Still the same.", "#malfunction", ""},
		{"Lo he reiniciado y sigue igual", "#malfunction", ""},
		{"het is erger geworden", "#worse", ""},
		{"ça a empiré depuis hier", "#worse", ""},
		{"Dat bestaan niet in de app", "#lacks", ""},
		{"waarom is cloud plus ineens duurder?", "#fee", ""},
		{"l'écran se fige une ou deux fois par jour", "#crash", ""},
		{"¿Cómo lo solucionamos?", "#request", "#howto"},
		{"Est-ce qu'on peut lui dire de surveiller seulement l'allée ?", "#howto", ""},
		{"moet ik ze nu één voor één downloaden in de app", "#lacks", ""},
		{"nell'app compare la scritta \"non in linea\"", "#outage", ""},
		{"je n'arrive pas à faire un programme différent pour le week-end", "#howto", ""},
		{"Vous souhaitez échanger le pack de deux contre le pack de trois ?", "#exchange", "#feature"},
		{"Je souhaite renvoyer la caméra", "#return", "#feature"},
		{"je voulais le pack de trois pour couvrir toute la maison", "", "#outage"},
		{"plus de wifi dans toute la maison", "#outage", ""},
		{"Je ne m'en suis rendu compte qu'en ouvrant le colis", "", "#account"},
		{"chaque mois, je fais le suivi de nos dépenses d'énergie", "", "#delivery"},
		{"le suivi du colis n'a pas bougé depuis lundi", "#delivery", ""},
		{"l'application ne permet pas d'exporter ces données", "#lacks", ""},
		{"el correo de verificación no llega", "#signin", ""},
		{"Vi chiedo di aggiungere un accesso temporaneo", "#feature", ""},
		{"Ich bitte Sie, eine Tastensperre hinzuzufügen.", "#feature", ""},
		{"Könnten Sie eine Tastensperre hinzufügen?", "#feature", ""},
		{"Wäre es möglich, eine Tastensperre hinzuzufügen?", "#feature", ""},
		{"¿Hay alguna forma de que la vea con su propia cuenta?", "#howto", ""},
		{"Tengo una duda con la cámara que tengo en el salón.", "", "#business"},
		{"tengo un salón de belleza y la caja no funciona", "#business", ""},
		{"we hebben de Thermo T2 in de gang hangen", "", "#crash"},
		{"the app hangs on the logo", "#crash", ""},
		{"Zo'n slot zou voor kantoren echt handig zijn", "#feature", ""},
		{"¿cómo se cambia la contraseña?", "#howto", ""},
		{"Para mí sería una mejora de seguridad importante.", "#feature", ""},
		{"Ik geef het door als verbeterwens.", "#suggestion", ""},
		{"potete restituirmi i soldi?", "#refund", ""},
		{"Quindi la telecamera è a posto, devo solo capire come collegarla alla nuova rete", "#howto", ""},
		{"la telecamera è a posto", "#fine", ""},
		{"Geolocalizzazione del termostato per tutta la famiglia", "", "#outage"},
		{"la telecamera non funziona del tutto", "#outage", ""},
		{"Alors s il vous plait ajouter la detection de voiture dans une mise a jour.", "#feature", ""},
		{"Je transmets votre demande à l'équipe produit.", "#suggestion", ""},
		{"je transmets à notre équipe sécurité produit", "", "#suggestion"},
		{"Ik geef het graag door aan ons productteam.", "#suggestion", ""},
		{"the outdoor cam I bought my dad last year is still going strong", "#fine", ""},
		{"but here's my actual problem.", "#retract", ""},
		{"hoe kan ik die nieuwe kaart invoeren zodat het abonnement doorloopt?", "#payment", ""},
		{"mi carta è scaduta, come la cambio?", "#payment", ""},
		{"Wäre es möglich, das 3er-Pack gegen ein 2er-Pack umzutauschen?", "#exchange", ""},
		{"nur den dritten Knoten zurückzuschicken", "#return", ""},
		{"Ich versuche seit gestern, mich anzumelden", "#signin", ""},
		{"Ik heb in de instellingen gezocht maar er is geen taalkeuze.", "#lacks", ""},
		{"hang on, dad's reading it out over the phone...", "", "#crash"},
		{"the app hangs on the splash screen", "#crash", ""},
		{"pero esto no es normal, ¿no?", "#malfunction", ""},
		{"das ist doch nicht normal", "#malfunction", ""},
		{"O que eu não consigo perceber é como pôr a tomada a ligar às 19h", "#howto", ""},
		{"non riesco a capire come si collega il sensore", "#howto", ""},
		{"No tienes que devolver nada por ahora.", "#obligation", "#lacks"},
		{"you don't have to send anything back", "#obligation", "#lacks"},
		{"vous n'avez pas à renvoyer la caméra", "#obligation", "#lacks"},
		{"não tem que devolver nada", "#obligation", "#lacks"},
		{"the app doesn't have a way to export clips", "#lacks", "#obligation"},
		{"la caja venía aplastada y la carcasa rajada", "#damaged", ""},
		{"¿Podéis añadir soporte para varias casas?", "#feature", ""},
		{"la única opción es abrir una segunda cuenta", "#lacks", ""},
		{"de enige manier is een tweede account", "#lacks", ""},
		{"ya he preguntado a los vecinos", "", "#question"},
		{"en la app el pedido figura como entregado", "#lost", ""},
		{"how long does a refund take", "#duration", "#howto"},
		{"ok merci, et autre chose", "#newtopic", ""},
		{"the floodlight has never come on", "#malfunction", ""},
		{"la luce non si è mai accesa", "#malfunction", ""},
		{"Mudei a palavra-passe do Wi-Fi ontem", "#setup", "#signin"},
		{"gostaria de as trocar pela versão europeia", "#exchange", ""},
		{"op de hulppagina staat dat het niet ondersteund wordt", "#lacks", ""},
		{"de camera hangt aan de gevel", "", "#crash"},
		{"since the power came back the screen is blank", "", "#workaround"},
		{"it goes offline but comes back after a few minutes", "#workaround", ""},
		{"I switched it off and on and it didn't come back", "", "#workaround"},
		{"it is offline for good and won't come back even after a reset", "", "#workaround"},
		{"l'écran affiche \"Chauffe\" et le chauffagiste est passé", "", "#overheat"},
		{"le boîtier chauffe anormalement", "#overheat", ""},
		{"não tem cheiro de queimado nem nada", "", "#smoke"},
		{"en el pasillo huele a plástico caliente", "#smoke", ""},
		{"me dice que no existe ninguna cuenta con ese correo", "#signin", "#lacks"},
		{"das ist gar nicht der X200, der steht im Keller", "", "#outage"},
		{"vi chiediamo se potete pensare a una modalità semplificata", "#feature", ""},
		{"dommage. vous pourriez l'ajouter ?", "#feature", ""},
		{"Gostaria de sugerir que acrescentem essa função", "#feature", ""},
		{"en la web sigue poniendo \"en preparación\"", "#late", ""},
		{"mi serve una fattura con il mio codice fiscale", "#invoice", "#code"},
		{"el correo para restablecer la contraseña no llega", "#signin", ""},
		{"la Cam4 ne propose pour l'instant ni flux RTSP ni mode webcam", "#lacks", ""},
		{"it hasn't turned the heating on since yesterday", "#malfunction", ""},
		{"scratch that, the real problem is the plug", "#retract", ""},
		{"oubliez ça, le vrai problème c'est la caméra", "#retract", ""},
		{"laat maar weten wanneer het klaar is", "", "#retract"},
		{"desde que cambié de móvil no puedo entrar", "#signin", "#exchange"},
		{"seit ich das Handy gewechselt habe, komme ich nicht rein", "#newphone", "#exchange"},
		{"depuis que j'ai changé de téléphone", "#newphone", "#exchange"},
		{"van zonsondergang tot 23:00", "", "#outage"},
		{"der Router ist tot", "#outage", ""},
		{"J'ai reçu ce matin ma commande", "", "#invoice"},
		{"dall'app cambio la temperatura", "", "#return"},
		{"Posso trocar pelo pack de três?", "#exchange", ""},
		{"nur Cloud Plus oder gar nichts", "", "#outage"},
		{"dan heeft mijn dochter geen wifi meer", "#outage", ""},
		{"la casa a 15 gradi, senza riscaldamento", "#outage", ""},
		{"minha tomada morreu", "#outage", ""},
		{"Ist so etwas geplant?", "#feature", ""},
		{"why is there no way to export clips?", "#feature", ""},
		{"c'est pas un bug, tout marche", "#noimpact", ""},
		{"depuis la mise à jour le wifi ne marche plus", "#malfunction", ""},
		{"ce n'est pas cassé", "", "#malfunction"},
		{"ah attendez, je me suis trompé", "", "#late"},
		{"le wifi 5 GHz a disparu", "#malfunction", ""},
		{"meine Bestellung ist seit 10 Tagen in Bearbeitung", "#late", ""},
		{"luci e sensori non rispondono, niente funziona", "#outage", ""},
		{"il n'y a aucun moyen de masquer une partie de l'image", "#lacks", ""},
	}
	for _, tc := range tests {
		got := termKeys(tc.text)
		if tc.want != "" && !slices.Contains(got, tc.want) {
			t.Errorf("%q reads as %v, want %s", tc.text, got, tc.want)
		}
		if tc.notWant != "" && slices.Contains(got, tc.notWant) {
			t.Errorf("%q reads as %v, not want %s", tc.text, got, tc.notWant)
		}
	}
}

// TestLexiconIndexFindsWhatAScanFinds checks that the index of phrases by
// their first and second words finds, at every word, the phrase a scan of
// the whole lexicon finds: on every text of this package's test data and
// on the lexicon's own phrases written out as text.
func TestLexiconIndexFindsWhatAScanFinds(t *testing.T) {
	lx := defaultLexicon()
	var all []*lexEntry
	add := func(b *lexBucket) {
		if b != nil {
			all = append(all, b.all...)
		}
	}
	for _, b := range lx.exact {
		add(b)
	}
	for _, b := range lx.prefixAt {
		add(b)
	}
	for _, b := range lx.prefixOther {
		add(b)
	}
	scan := func(toks []token, i int) (*lexEntry, int) {
		var best *lexEntry
		bestEnd := i
		for _, e := range all {
			if j := e.endAt(toks, i); j > 0 && e.better(j, best, bestEnd) {
				best, bestEnd = e, j
			}
		}
		return best, bestEnd
	}
	// One phrase in twelve, each after a negator, and all test data.
	var texts []string
	n := 0
	for _, line := range strings.Split(lexiconText, "\n") {
		_, body, _ := strings.Cut(line, ":")
		for p := range strings.SplitSeq(body, "|") {
			if n++; n%12 != 0 {
				continue
			}
			p, _, _ = strings.Cut(p, "^")
			r := strings.NewReplacer("*", "s", "!", "", "+", "", "...", "and then")
			texts = append(texts, "no "+r.Replace(p)+", at all")
		}
	}
	var strs func(v any)
	strs = func(v any) {
		switch v := v.(type) {
		case string:
			texts = append(texts, strings.Split(v, "\n")...)
		case []any:
			for _, x := range v {
				strs(x)
			}
		case map[string]any:
			for _, x := range v {
				strs(x)
			}
		}
	}
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var v any
		if json.Unmarshal(b, &v) == nil {
			strs(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	words, found := 0, 0
	for _, text := range texts {
		toks := tokenize(text, nil)
		for i := range toks {
			e1, end1 := scan(toks, i)
			e2, end2 := lx.matchAt(toks, i)
			if e1 != e2 || end1 != end2 {
				t.Fatalf("%q at word %d: the index finds %v up to %d, a scan %v up to %d", text, i, e2, end2, e1, end1)
			}
			words++
			if e1 != nil {
				found++
			}
		}
	}
	if words < 10000 || found < words/10 {
		t.Fatalf("only %d words read, %d phrases found: too little text to check the index", words, found)
	}
}

// TestFillerReadsAsNothing checks that a filler phrase keeps its words
// from being read as another phrase and is no term itself.
func TestFillerReadsAsNothing(t *testing.T) {
	toks := tokenize("the freezer and a palito de dente", nil)
	for _, tm := range defaultLexicon().terms(toks, nil) {
		if tm.key[0] == '#' {
			t.Errorf("term %s read from %q", tm.key, "the freezer and a palito de dente")
		}
	}
}
