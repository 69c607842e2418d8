package heuristic

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// storiesTenantFields returns the fields of the own stories' tenant.
func storiesTenantFields(t *testing.T, names ...string) []predict.Field {
	t.Helper()
	v := readTenant(t, filepath.Join(storiesDir, "helpdesk.json"))
	var out []predict.Field
	for _, n := range names {
		for _, f := range v.Fields {
			if f.Name == n {
				out = append(out, f)
			}
		}
	}
	return out
}

// TestPriorityFromImpact checks, in every supported language, that
// priority follows what the customer says about impact: a safety risk or a
// business stopped is Urgent, a device down High, a problem with a
// workaround Normal; a denied risk does not raise it and shouting alone
// does not either. The tenant's priority options describe these levels
// in English only.
func TestPriorityFromImpact(t *testing.T) {
	fields := storiesTenantFields(t, "priority")
	p := newPredictor(t)
	type tc struct {
		lang, text, want string
	}
	// want "-Urgent" means anything but Urgent (or no answer).
	tests := []tc{
		{"en", "The hub is giving off smoke and the plastic is melting.", "Urgent"},
		{"en", "Our shop can't take card payments because the router is down, customers are leaving.", "Urgent"},
		{"en", "The camera has been offline since yesterday and nothing I try brings it back.", "High"},
		{"en", "The mesh node drops every evening for a few minutes, but with a cable everything works.", "Normal"},
		{"en", "No smoke or anything, the plug just clicks now and then.", "-Urgent"},
		{"en", "URGENT!!! The app shows the temperature one degree too high.", "-Urgent"},
		{"es", "Sale humo del termostato y huele a quemado.", "Urgent"},
		{"es", "Tengo un restaurante y el router está caído, no podemos cobrar con tarjeta.", "Urgent"},
		{"es", "La cámara está desconectada desde ayer y no vuelve a conectarse.", "High"},
		{"es", "A veces la cámara pierde la conexión unos minutos, pero luego vuelve sola.", "Normal"},
		{"es", "¡¡URGENTE!! La luz del enchufe parpadea a veces, por lo demás funciona.", "-Urgent"},
		{"de", "Aus dem Stecker kommen Funken und es riecht verbrannt.", "Urgent"},
		{"de", "Unser Büro steht still, der Router ist ausgefallen und niemand hat Internet.", "Urgent"},
		{"de", "Die Kamera ist seit gestern offline und verbindet sich nicht mehr.", "High"},
		{"de", "Der Knoten verliert ab und zu die Verbindung, mit LAN-Kabel geht es vorerst.", "Normal"},
		{"de", "DRINGEND!!! Die Anzeige am Thermostat flackert manchmal kurz.", "-Urgent"},
		{"pt", "O hub começou a deitar fumo e cheira a queimado.", "Urgent"},
		{"pt", "A nossa loja está parada, o router caiu e não conseguimos cobrar.", "Urgent"},
		{"pt", "A câmara está offline desde ontem e não volta a ligar.", "High"},
		{"pt", "De vez em quando a tomada desliga-se sozinha, mas volta a funcionar logo.", "Normal"},
		{"fr", "Le thermostat surchauffe et il y a une odeur de brûlé.", "Urgent"},
		{"fr", "Notre boulangerie est à l'arrêt, le routeur est en panne et on ne peut plus encaisser.", "Urgent"},
		{"fr", "La caméra est hors ligne depuis hier et ne se reconnecte plus.", "High"},
		{"fr", "Parfois le nœud mesh se déconnecte le soir, avec un câble tout marche.", "Normal"},
		{"fr", "URGENT !!! L'écran du thermostat clignote parfois, sinon tout fonctionne.", "-Urgent"},
		{"it", "Dalla presa escono scintille e c'è odore di bruciato.", "Urgent"},
		{"it", "Il nostro negozio è bloccato: il router è guasto e non possiamo incassare.", "Urgent"},
		{"it", "La telecamera è offline da ieri e non si riconnette.", "High"},
		{"it", "Ogni tanto la telecamera si disconnette, poi torna da sola. Niente di urgente.", "Normal"},
		{"it", "URGENTE!!! Il termostato a volte mostra un'ora sbagliata.", "-Urgent"},
		{"it", "La presa è offline e la lampada collegata non si accende più.", "High"}, // a connected lamp, not a colleague
		{"nl", "Er komt rook uit de hub en het ruikt verbrand.", "Urgent"},
		{"nl", "Onze winkel ligt stil, de router is kapot en we kunnen niet pinnen.", "Urgent"},
		{"nl", "De camera is sinds gisteren offline en maakt geen verbinding meer.", "High"},
		{"nl", "De node valt af en toe weg, maar met een netwerkkabel werkt alles.", "Normal"},
		{"nl", "DRINGEND!!! Het lampje van de stekker knippert soms, verder werkt hij.", "-Urgent"},
		{"en", "The router's light blinks red and never goes solid like it normally does, and there is no internet in the whole house.", "High"},
		{"pt", "as luzes acendem normal mas a rede wifi sumiu, ninguém em casa tem internet desde ontem", "High"},
		// Another device standing in for the dead one is no workaround of
		// its fault.
		{"en", "The router is dead since the storm, no lights at all. I'm using my phone as a hotspot for now.", "High"},
		{"es", "El router no enciende desde esta mañana, ninguna luz. Estoy tirando de los datos del móvil.", "High"},
		// What the customer says is nothing serious is no business or
		// service down, whatever light went out.
		{"it", "Ho una Cam4 nel negozio e la lucina davanti non si accende più. Registra tutto, non è niente di grave.", "-Urgent"},
		{"en", "The status light on the shop's camera stopped working. Recording is fine, nothing serious.", "-Urgent"},
		// Heating that does not come on is a service down.
		{"en", "The thermostat screen looks normal but the heating isn't coming on at all, the radiators are cold.", "High"},
		{"nl", "De thermostaat reageert nog wel, maar de verwarming slaat niet meer aan. Het is 14 graden binnen.", "High"},
		{"it", "Il termostato è acceso ma il riscaldamento non parte, in casa fa freddissimo.", "High"},
		{"de", "Das Display vom Thermostat ist an, aber die Heizung springt nicht an.", "High"},
		// What only looks like a workaround: how it was before, an "ok"
		// that opens a reply, the phone that connects without problems.
		{"en", "The router is dead, no lights at all. Tried two outlets, nothing. It was fine last night.", "High"},
		{"es", "La cámara está offline desde hace dos días y no vuelve ni desenchufándola. El móvil se conecta al wifi sin problema.", "High"},
		{"fr", "La caméra est hors ligne depuis hier. Le téléphone et la télé sont connectés sans souci.", "High"},
		// A part that fails while the device does its job degrades it.
		{"en", "The camera records fine and sends alerts, but its floodlight no longer turns on at night.", "Normal"},
		{"es", "La cámara graba bien, pero el foco ya no se enciende cuando detecta movimiento.", "Normal"},
		{"fr", "Le projecteur de la caméra ne s'allume plus, la vidéo marche par contre.", "Normal"},
		{"en", "LAN port 2 on the router died, the other ports work.", "Normal"},
		// The part beside the device down is the device down.
		{"fr", "La caméra est hors ligne et le projecteur ne s'allume plus non plus.", "High"},
		{"en", "The camera is offline in the app and the floodlight doesn't come on at all.", "High"},
		// A workaround told as "that way it works".
		{"it", "Il termostato segna 24 gradi ma ce ne sono 18, quindi il riscaldamento non parte. Con la modalità manuale sì, così funziona.", "Normal"},
	}
	for _, tt := range tests {
		req := &predict.Request{Fields: fields, Messages: []channel.Message{{
			ID: "m1", Kind: channel.KindChat, Role: channel.RoleCustomer, Direction: channel.Inbound, Text: tt.text,
		}}}
		got, conf := written(t, p, req, "priority")
		switch {
		case tt.want == "-Urgent" && got == "Urgent",
			tt.want != "-Urgent" && got != tt.want:
			t.Errorf("%s %q: priority %q (%.2f), want %s", tt.lang, tt.text, got, conf, tt.want)
		}
	}
}

// written returns the value p predicts for field, as a string, when its
// confidence reaches the default threshold of 0.5, and the confidence.
func written(t *testing.T, p *Predictor, req *predict.Request, field string) (string, float64) {
	t.Helper()
	res, err := p.Predict(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	pr, ok := res.Predictions[field]
	if !ok || pr.Confidence < 0.5 {
		return "", pr.Confidence
	}
	v, _ := pr.Value.(string)
	return v, pr.Confidence
}

// TestWorseOutdatesWhatEasedIt checks that a customer who says the
// problem got worse is read as it is now: a workaround or a fault that
// came and went, told before, no longer lowers the priority, and a reply
// that says so may change the priority the case already has.
func TestWorseOutdatesWhatEasedIt(t *testing.T) {
	fields := storiesTenantFields(t, "priority")
	p := newPredictor(t)
	tests := []struct {
		name  string
		msgs  []channel.Message
		known string
		want  string
	}{
		{"chat, en", chat("The outdoor cam drops off the wifi now and then but comes back by itself after a few minutes.",
			"R: Thanks, which firmware does it show?", "It has got worse: since this morning it is offline for good and won't come back even after unplugging it."), "", "High"},
		{"chat, it", chat("Il termostato ogni tanto si riavvia da solo, per ora lo rimetto a mano.",
			"R: Da quanto tempo?", "È peggiorato: adesso è completamente spento e il riscaldamento non parte più."), "", "High"},
		{"reply to a case, es", chat("Ha ido a peor: la cámara está desconectada desde anoche y no vuelve a conectarse aunque la reinicie."), "Normal", "High"},
		{"reply without worse keeps the case's value", chat("La cámara está desconectada desde anoche y no vuelve a conectarse aunque la reinicie."), "Normal", ""},
		{"better is not worse", chat("The hub loses its sensors every night but they come back by themselves. Not worse than last week, just annoying."), "", "Normal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := &predict.Request{Fields: fields, Messages: tc.msgs}
			if tc.known != "" {
				req.Known = map[string]any{"priority": tc.known}
			}
			if got, conf := written(t, p, req, "priority"); got != tc.want {
				t.Errorf("priority = %q (%.2f), want %q", got, conf, tc.want)
			}
		})
	}
}

// TestWhatTheCustomerMeans checks readings of what a conversation is
// about beyond the words that name it: a product said to work is not the
// product of the case, a correction that names both products means the
// new one, and a question answered "not possible" that the customer
// turns into a wish is a feature request.
func TestWhatTheCustomerMeans(t *testing.T) {
	fields := storiesTenantFields(t, "category", "product")
	p := newPredictor(t)
	tests := []struct {
		name  string
		msgs  []channel.Message
		field string
		want  string
	}{
		{"named as working", chat("the mesh node in my garage keeps going offline. the X300 in the house is fine."), "product", "P-M10"},
		{"named as working, es", chat("El M10 del garaje se desconecta cada tarde. El X300 de casa funciona bien."), "product", "P-M10"},
		{"works, but", chat("Minha Cam4 da sala funciona normal durante o dia, mas à noite a imagem fica totalmente preta. Já atualizei o app."), "product", "P-CAM4"},
		{"a part of it fails", chat("sinds de update blijft de lichtring van mijn Home Hub de hele nacht aan. de hub zelf doet het verder prima."), "product", "P-HUB"},
		{"correction naming both", chat("le routeur X200 redémarre en boucle", "R: Quel est le numéro de série ?", "pardon, c'est le X300 au bureau, le X200 c'est chez moi"), "product", "P-X300"},
		{"correction naming both, en", chat("my X200 keeps rebooting", "sorry, it's the X300 at the office, the X200 is at home"), "product", "P-X300"},
		{"question turned into a wish", chat("Is there any way to have the guest Wi-Fi turn itself off at night on a schedule?",
			"R: At the moment the guest network can only be switched by hand.",
			"Ah ok. Could you pass it on as a suggestion then? I'd love it to shut off automatically at midnight."), "category", "Feature request"},
		{"handing in is no delivery", chat("Comprei dois routers X200 e a fatura saiu sem o NIF da empresa. Preciso de uma fatura nova com o NIF para entregar à contabilidade."), "category", "Billing"},
		{"a pickup code is no sign-in", chat("ma commande est marquee livree au point relais mais ils n'ont aucun colis a mon nom", "oui j'ai le code mais ils trouvent rien avec. je sais pas ou est passe le colis"), "category", "Shipping"},
		{"a wish about a fault", chat("tengo una cam4 que se desconecta del wifi 3 o 4 veces al dia. si la desenchufo vuelve a funcionar unas horas. no es urgente pero me gustaria que quedara bien"), "category", "Product defect"},
		{"a question asking for a feature", chat("Solo se puede activar o desactivar el foco; no hay manera de bajarle la intensidad. ¿Podrían añadir en alguna actualización un regulador de intensidad?"), "category", "Feature request"},
		{"a wish after 'nothing is broken'", chat("bonjour, c est pas un bug, tout marche tres bien", "on l utilise comme babyphone. ce serait top qu elle detecte les pleurs et envoie une alerte"), "category", "Feature request"},
		{"any chance of adding", chat("The cameras only record to the cloud or the SD card. Any chance of adding an RTSP stream in a future firmware?"), "category", "Feature request"},
		{"a wifi password is set up, not signed in with", chat("Boa noite, como é que mudo a palavra-passe do wifi no router X200?"), "category", "How-to"},
		{"a wifi password, en", chat("How do I change the wifi password on my X200?"), "category", "How-to"},
		{"an account one cannot get into, pt-PT", chat("Quando carrego em Continuar com Google não tenho como entrar, e nunca criei uma palavra-passe. Não consigo aceder à conta."), "category", "Account access"},
		{"a device that died, pt-BR", chat("minha tomada smartplug morreu kkk nao acende nem a luzinha"), "category", "Product defect"},
		{"not understanding how", chat("vi que tem uma opção de timer no app mas não entendi como usar"), "category", "How-to"},
		{"the router is the one named", chat("We have the X300 in the hallway, two smart plugs and a Cam4. The plugs and the camera have been flawless, no complaints. What's bugging me is the router: every few hours the 5 GHz network vanishes until I restart the router."), "product", "P-X300"},
		{"an order is not a delivery", chat("j'ai commandé des prises et je me suis trompée, j'en ai pris 4 au lieu de 2. Je voudrais renvoyer les 2 en trop, elles sont encore dans leur emballage. Ma commande est la ORD-527730."), "category", "Returns"},
		{"a feature asked as a complaint", chat("Why can't the Home app send camera clips straight to Google Drive? Nothing is broken, the cameras work fine, I just think this is a basic thing that should be there. Please add it."), "category", "Feature request"},
		{"how to bring it onto the new wifi, de", chat("Der Home Hub hängt per WLAN am alten Router. Wie bringe ich den Hub ins neue WLAN, ohne alle Geräte neu anlernen zu müssen?"), "category", "How-to"},
		{"not finding where, pt-BR", chat("to tentando colocar o termostato T2 no app e nao acho onde", "ja instalei ele na parede, a tela liga certinho. mas no app quando vou em adicionar dispositivo nao sei qual opcao escolher"), "category", "How-to"},
		{"a wish about prices is no bill, it", chat("L'app mostra solo i kWh consumati, non c'è modo di inserire il prezzo dell'energia. Sarebbe molto utile poter impostare la tariffa e vedere il costo mensile di ogni presa."), "category", "Feature request"},
		{"a question stays a question", chat("Is there any way to have the guest Wi-Fi turn itself off at night on a schedule?"), "category", "How-to"},
		{"the representative says it does not exist", chat("Can the thermostat learn when we come home from our phones' location?",
			"R: I'm afraid geofencing does not exist on the T2.", "Too bad, my old one did that. Would be great to have."), "category", "Feature request"},
		{"the representative passes it on, fr", chat("est ce que la caméra peut envoyer les vidéos sur mon NAS ?",
			"R: Ce n'est pas possible pour l'instant.", "dommage, ça m'arrangerait vraiment", "R: Je transmets votre demande comme suggestion."), "category", "Feature request"},
		{"a question without its mark", chat("hey so cn i set up a schedule for the porch cam in the app"), "category", "How-to"},
		{"a question without its mark, de", chat("kann man beim Hub die Lichter automatisch bei Sonnenuntergang einschalten lassen"), "category", "How-to"},
		{"settled, then a new need", chat("Danke, das hat funktioniert, der Stecker ist jetzt verbunden. Den zweiten Stecker möchte ich aber zurückschicken, er ist noch originalverpackt."), "category", "Returns"},
		{"still the same after the fix", chat("He reiniciado el termostato y lo he vuelto a configurar en la app. Sigue igual: la pantalla marca cinco grados más."), "category", "Product defect"},
		{"a device reset is no password reset", chat("I reset the hub with a paperclip and set it up again, the status light still blinks red and the sensors show offline."), "category", "Product defect"},
		{"thanks, and another thing", chat("quick one: how do I set up the hub on the new wifi?", "where do I find the network settings in the app?",
			"R: Open the app, Hub > Network > Change Wi-Fi.", "found it, done. thanks! and another thing", "cloud plus was charged twice on my card this month"), "category", "Billing"},
		{"another thing, still open", chat("how do I move the hub to the new wifi? and another thing, can the plug run on a timer?"), "category", "How-to"},
		{"how long a refund takes is no how-to", chat("you charged my card twice for the same order, I need one refunded",
			"R: I see the duplicate payment, I'm refunding it now.", "great, how long does that usually take?"), "category", "Billing"},
		{"delivered, says the tracking", chat("el seguimiento dice entregado pero yo no tengo nada, ya he preguntado a los vecinos"), "category", "Shipping"},
		{"what is fine is not the need", chat("The order came a day early and the box was perfect, no complaints there. The problem: the thermostat screen stays black and it has never come on."), "category", "Product defect"},
		{"a name in another language's order, it", chat("Da qualche giorno la porta Ethernet del nodo mesh non funziona più, il LED resta spento."), "product", "P-M10"},
		{"a name in another language's words, fr", chat("Ma caméra extérieure ne détecte plus aucun mouvement depuis la mise à jour."), "product", "P-CAM4O"},
		{"a German compound", chat("Der Mesh-Knoten im Keller startet ständig neu."), "product", "P-M10"},
		{"of several named, the one bought", chat("I bought the outdoor camera last week; I didn't realise the Cloud Plus plan is needed to keep the clips. I'd like to send it back."), "product", "P-CAM4O"},
		{"of several named, the one bought, fr", chat("J'ai acheté la caméra extérieure le mois dernier. Je ne savais pas qu'il faut l'abonnement Cloud Plus pour garder les vidéos, et je ne veux pas payer des frais tous les mois. Je voudrais la renvoyer."), "product", "P-CAM4O"},
		{"a qualifier of several words, pt", chat("comprei faz 15 dias a camera de fora e ate agora nao chegou nada, o pedido ta parado"), "product", "P-CAM4O"},
		{"a qualifier of several words, de", chat("Die Kamera für drinnen nimmt seit gestern nichts mehr auf."), "product", "P-CAM4"},
		{"what an exchange is for is not the product", chat("Je voudrais échanger mes deux SmartPlug contre une caméra extérieure, elles sont encore emballées."), "product", "P-PLUG"},
		{"named only by the representative", chat("the little white box in the bedroom blinks orange and my tablet has no internet up there",
			"R: Those white boxes are our M10 mesh nodes. Could you unplug it for ten seconds?", "did that twice, still orange"), "product", "P-M10"},
		{"the customer's own name wins over the representative's", chat("my X200 keeps dropping the wifi every evening",
			"R: I see an X300 on your account too. Does it happen on both?", "only the X200, the other one is at my office"), "product", "P-X200"},
		{"two products named by the representative name none", chat("the box in the hallway keeps restarting",
			"R: On your account I see an X200 router and a Home Hub.", "it's the one with the antennas"), "product", ""},
		{"two-factor, fr", chat("Je n'ai plus mon ancien numéro et la double authentification envoie toujours le code par SMS sur celui-là."), "category", "Account access"},
		// Devices offline after a change of network need setting up again.
		{"new network, pt", chat("Mudei de operadora e veio um router novo, com outro nome de rede. Desde aí a câmara do jardim está offline, não responde e a luz pisca. Deixou de gravar.",
			"A câmara não tem problema nenhum, só preciso de saber como a ponho na rede nova."), "category", "How-to"},
		{"new network, br", chat("trocamos de internet essa semana e veio um roteador novo, com outro nome de rede e outra senha",
			"as minhas 5 tomadas ficaram todas offline no app, nenhuma responde e todas piscam laranja. tem como passar elas pra rede nova sem resetar uma por uma?"), "category", "How-to"},
		{"new network, fault after it", chat("We switched provider last week and the X300 is on the new fibre box. Since then its 6GHz network drops every ten minutes, 2.4 and 5 are fine."), "category", "Product defect"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, conf := written(t, p, &predict.Request{Fields: fields, Messages: tc.msgs}, tc.field); got != tc.want {
				t.Errorf("%s = %q (%.2f), want %s", tc.field, got, conf, tc.want)
			}
		})
	}
}

// A forwarded message counts as the customer's account when the customer
// wrote it: its From line is the sender's own address.
func TestOwnForwardCounts(t *testing.T) {
	fields := storiesTenantFields(t, "category")
	p := newPredictor(t)
	body := func(from string) string {
		return "Bonjour,\n\nJe vous transfère ce message envoyé à la mauvaise adresse.\n\n---------- Message transféré ---------\nDe : Hiro Tanaka <" + from + ">\nDate : lun. 9 juin 2025 à 21:14\nObjet : Écran du T2\n\nIl n'existe aucune option pour verrouiller l'écran du thermostat. Serait-il possible d'ajouter un verrouillage enfant dans une prochaine mise à jour ?\n"
	}
	for _, tc := range []struct {
		name, from string
		want       any
	}{
		{"own", "hiro.tanaka@example.jp", "Feature request"},
		{"own, other case", "Hiro.Tanaka@Example.JP", "Feature request"},
		{"someone else's", "installer@shop.example", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := []channel.Message{{ID: "e1", Kind: channel.KindEmail, Role: channel.RoleCustomer, Direction: channel.Inbound,
				From: channel.Address{Name: "Hiro Tanaka", Email: "hiro.tanaka@example.jp"}, Subject: "TR: Écran du T2", Text: body(tc.from)}}
			res, err := p.Predict(context.Background(), &predict.Request{Fields: fields, Messages: msgs})
			if err != nil {
				t.Fatal(err)
			}
			var got any
			if pr, ok := res.Predictions["category"]; ok && pr.Confidence >= 0.5 {
				got = pr.Value
			}
			if got != tc.want {
				t.Errorf("category = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDescriptionNamesTheThing checks that the description leads with
// the product the case is about, as the customer wrote it, when the
// sentences that tell the need do not name it (of several named, the
// one predicted for the product field, else the one not said to work;
// of its names, the most precise, with the words around it that name it
// too, and the customer's word for the kind of device when the name and
// the sentences lack one), and not when they do, when they name another or when none is
// named.
func TestDescriptionNamesTheThing(t *testing.T) {
	fields := storiesTenantFields(t, "issue_description", "product")
	p := newPredictor(t)
	tests := []struct {
		msgs []channel.Message
		want string // the description's start
	}{
		{chat("Since this morning our internet drops every fifteen minutes and the whole office is stuck without email.", "It's our X300."), "X300: Since this morning"},
		{chat("Since this morning the X300 drops the internet every fifteen minutes and the whole office is stuck without email."), "Since this morning the X300"},
		{chat("Since this morning our internet drops every fifteen minutes and the whole office is stuck without email.", "It is the X300, the M10 node in the hall is fine."), "X300: Since this morning"},
		{chat("Since this morning our internet drops every fifteen minutes and the whole office is stuck without email.", "We have an X300 with two M10 nodes."), "X300: Since this morning"},
		{chat("Die op zolder valt elke avond weg en het lampje wordt rood.", "Het is een van de twee M10 satellieten, de X200 beneden doet het prima."), "M10 satellieten: Die op zolder"},
		{chat("My X200 keeps rebooting every few minutes.", "R: Which model is it?", "sorry, it's the X300"), "My X200 keeps"},
		{chat("Since this morning our internet drops every fifteen minutes and the whole office is stuck without email."), "Since this morning"},
		{chat("Since this morning our internet drops every fifteen minutes and the whole office is stuck without email.", "It's the M10, the satellite in the office."), "M10: Since this morning"},
		// A name with the model is the most precise, whatever the
		// strength of another name.
		{chat("Quello al piano di sopra da qualche giorno perde la connessione più volte al giorno e la luce diventa rossa.", "È del kit mesh, uno dei due satelliti M10."), "satelliti M10: Quello al piano"},
		{chat("El de arriba se desconecta varias veces al día y la luz se pone roja.", "Es del kit mesh, uno de los dos satélites M10."), "satélites M10: El de arriba"},
		// Its full name, as written: the words around the model name that
		// name the same thing, not those across a comma.
		{chat("Seit heute früh fällt alle paar Minuten das Internet aus und im Büro geht nichts mehr.", "Es ist das M10 Mesh-Set im Flur."), "M10 Mesh-Set: Seit heute"},
		{chat("Da stamattina internet cade ogni cinque minuti e in ufficio siamo tutti fermi.", "È il router X200, quello nuovo."), "router X200: Da stamattina"},
		{chat("Since this morning our internet drops every fifteen minutes and the whole office is stuck without email.", "It's the X300, router and all."), "X300 (router): Since this morning"},
		// A name that says only the model comes with the customer's own
		// word for the kind of device, when the sentences lack it.
		{chat("The screen went blank last night and the heating won't come on.", "It's the T2 in the hall, the thermostat we got last year."), "T2 (thermostat): The screen went blank"},
		{chat("My thermostat went blank last night and the heating won't come on.", "It's the T2."), "T2: My thermostat"},
		// A subject that sums up the need leads one body sentence too long
		// to leave it room, which is cut short.
		{[]channel.Message{{ID: "e2", Kind: channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer, Subject: "Suggestion : widget pour les caméras",
			Text: "Bonjour, mais voilà comment ça se passe à chaque fois que je veux juste jeter un œil aux caméras : je déverrouille le téléphone, j'ouvre l'appli Home, j'attends, je vais dans l'onglet Caméras, je clique sur la première, elle s'affiche, je reviens en arrière, je clique sur la deuxième, et au total il me faut presque une minute pour voir les trois caméras de la maison."}}, "Suggestion : widget pour les caméras."},
		{[]channel.Message{{ID: "e1", Kind: channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer, Subject: "Home Hub",
			Text: "I have an X300, two mesh satellites and a Home Hub. Since Saturday the ring light on top blinks red and every sensor shows as offline."}}, "Home Hub: Since Saturday"},
	}
	for _, tc := range tests {
		got, _ := written(t, p, &predict.Request{Fields: fields, Messages: tc.msgs}, "issue_description")
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("description %q, want it to start %q", got, tc.want)
		}
	}
}

// TestShortNameOfAFullOne checks that a model name the customer writes
// short after writing another option's full name ("Cam4" after "Cam4
// Outdoor") names that option, and not when the short name stands beside
// the full one or with its own kind of device.
func TestShortNameOfAFullOne(t *testing.T) {
	fields := storiesTenantFields(t, "product")
	p := newPredictor(t)
	for _, tc := range []struct {
		msgs []channel.Message
		want string
	}{
		{chat("Ich habe seit Jahren eine Cam4 Outdoor am Haus und habe eine zweite bestellt.", "Die neue Cam4 kam gestern mit gebrochenem Glas an."), "P-CAM4O"},
		{chat("Tengo una Cam4 Outdoor desde hace años y pedí otra para el patio.", "La Cam4 nueva llegó con el cristal del foco roto."), "P-CAM4O"},
		{chat("J'ai une Cam4 Outdoor depuis 2018 et j'en ai commandé une deuxième.", "Je voudrais renvoyer la Cam4, elle n'est même pas ouverte."), "P-CAM4O"},
		{chat("We have a Cam4 Outdoor in the garden and two Cam4 in the living room.", "One of the Cam4 in the living room no longer turns on."), "P-CAM4"},
		{chat("Comprei uma Cam4 Outdoor e queria devolvê-la.", "Peço desculpa, enganei-me: é a interior, a Cam4."), "P-CAM4"},
	} {
		if got, conf := written(t, p, &predict.Request{Fields: fields, Messages: tc.msgs}, "product"); got != tc.want {
			t.Errorf("%q: product %q (%.2f), want %s", tc.msgs[len(tc.msgs)-1].Text, got, conf, tc.want)
		}
	}
}

// TestKindWord checks, in the supported languages, that the customer's
// own word for the kind of device an option's label names is found, and
// not when the name already says it or the word is another kind.
func TestKindWord(t *testing.T) {
	p := newPredictor(t)
	fields := storiesTenantFields(t, "product")
	cf := p.compiled(&fields[0]).choice
	opt := func(v string) int {
		return slices.IndexFunc(cf.opts, func(o optionModel) bool { return o.value == v })
	}
	for _, tc := range []struct {
		text, option, name, want string
	}{
		{"It's the T2 in the hall, the thermostat we got last year.", "P-THERM", "T2", "thermostat"},
		{"Es el T2 del pasillo, el termostato que compramos el año pasado.", "P-THERM", "T2", "termostato"},
		{"Es geht um das T2, das Thermostat im Flur.", "P-THERM", "T2", "Thermostat"},
		{"É a Cam4 Outdoor, a câmera do quintal.", "P-CAM4O", "Cam4 Outdoor", "câmera"},
		{"C'est la Cam4 Outdoor, la caméra du jardin.", "P-CAM4O", "Cam4 Outdoor", "caméra"},
		{"È la Cam4 Outdoor, la telecamera del giardino.", "P-CAM4O", "Cam4 Outdoor", "telecamera"},
		{"Het gaat om de T2, de thermostaat in de gang.", "P-THERM", "T2", "thermostaat"},
		{"It's the router in the hall, the X300.", "P-X300", "router X300", ""},
		{"The T2 is next to the router.", "P-THERM", "T2", ""},
	} {
		c := analyze(p.lx, chat(tc.text), nil)
		if got := cf.kindWord(c, opt(tc.option), tc.name); got != tc.want {
			t.Errorf("%q, %s named %q: kind word %q, want %q", tc.text, tc.option, tc.name, got, tc.want)
		}
	}
}

// TestFragmentsTellTheNeed checks that a customer who types the need in
// fragments, one short message after another, gets a description from
// their run, and that a chat of greetings alone gets none.
func TestFragmentsTellTheNeed(t *testing.T) {
	fields := storiesTenantFields(t, "issue_description")
	p := newPredictor(t)
	got, _ := written(t, p, &predict.Request{Fields: fields, Messages: chat("hola", "compré un enchufe", "hace un mes", "no enciende", "ni la luz", "quiero cambiarlo")}, "issue_description")
	if !strings.Contains(got, "no enciende") || !strings.Contains(got, "cambiarlo") {
		t.Errorf("description %q, want the fragments that tell the need", got)
	}
	if got, _ := written(t, p, &predict.Request{Fields: fields, Messages: chat("hola", "buenas", "R: Hola, ¿en qué puedo ayudarle?", "gracias")}, "issue_description"); got != "" {
		t.Errorf("description %q of greetings, want none", got)
	}
}

// TestWantedNeedOutweighsItsReasons checks that what the customer says
// they want, told first, decides the category over the reasons told
// after it in answer to the representative, in several languages.
func TestWantedNeedOutweighsItsReasons(t *testing.T) {
	checkCategories(t, []categoryCase{
		{chat("Bonjour, je voudrais retourner le thermostat T2 que j'ai acheté il y a 2 semaines. Il est pas compatible avec ma chaudière apparemment",
			"R: Qu'est-ce qui vous fait dire qu'il n'est pas compatible ?",
			"J'ai essayé de l'installer samedi en suivant le guide dans l'appli. Au moment de brancher les fils il faut un fil C et ma chaudière en a pas.",
			"R: Auriez-vous le numéro de commande ?",
			"Je le trouve pas dans mes mails"), "Returns"},
		{chat("Compré el Home Hub hace 10 días pensando que me iba a servir para las bombillas que ya tengo y resulta que no. Quería devolverlo",
			"R: ¿Qué bombillas son? A veces se pueden vincular igualmente.",
			"ya lo intenté todo, seguí los pasos de la app, reinicié el hub dos veces y hasta vi un video. Mis bombillas son wifi, no zigbee, asi que el hub ni las ve."), "Returns"},
	})
}

// TestDescriptionTakesTheSubject checks that an email whose subject sums
// up the need is described with it, as a sentence, while the subject's
// own quote stays as written, and that a reply's subject ("Re: ...") is
// not taken again.
func TestDescriptionTakesTheSubject(t *testing.T) {
	fields := storiesTenantFields(t, "issue_description")
	p := newPredictor(t)
	msgs := email("Charged twice for Cloud Plus in March",
		"Hello,\n\nI looked at my card statement this morning after my bank sent me a message about my balance. "+
			"There are two identical lines from you on the same day. Could you have a look?\n\nThanks,\nOlivia")
	res, err := p.Predict(context.Background(), &predict.Request{Fields: fields, Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	pr := res.Predictions["issue_description"]
	if got, _ := pr.Value.(string); !strings.HasPrefix(got, "Charged twice for Cloud Plus in March.") {
		t.Errorf("description %q, want it to start with the subject as a sentence", got)
	}
	for _, ev := range pr.Evidence {
		if !strings.Contains(msgs[0].Subject+" "+msgs[0].Text, ev.Quote) {
			t.Errorf("evidence %q is not in the message", ev.Quote)
		}
	}
	msgs[0].Subject = "Re: " + msgs[0].Subject
	res, err = p.Predict(context.Background(), &predict.Request{Fields: fields, Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := res.Predictions["issue_description"].Value.(string); strings.HasPrefix(got, "Charged twice") {
		t.Errorf("description %q takes a reply's subject", got)
	}
}

// TestSubjectLeadsTheBody checks that a subject that tells something
// leads the body's sentences when they tell more, room permitting, and
// that a subject that tells nothing does not.
func TestSubjectLeadsTheBody(t *testing.T) {
	fields := storiesTenantFields(t, "issue_description")
	p := newPredictor(t)
	body := "Goedemiddag,\n\nIk heb vanochtend drie keer een verkeerd wachtwoord ingetikt en nu zegt de app dat ik een uur moet wachten voordat ik het opnieuw kan proberen. " +
		"Ik moet de camera's vandaag kunnen zien omdat we op vakantie zijn.\n\nGroeten,\nDaan"
	got, _ := written(t, p, &predict.Request{Fields: fields, Messages: email("Account geblokkeerd", body)}, "issue_description")
	if !strings.HasPrefix(got, "Account geblokkeerd. ") || !strings.Contains(got, "wachtwoord") {
		t.Errorf("description %q, want the subject to lead the body's sentence", got)
	}
	got, _ = written(t, p, &predict.Request{Fields: fields, Messages: email("Vraag", body)}, "issue_description")
	if strings.Contains(got, "Vraag") {
		t.Errorf("description %q takes a subject that tells nothing", got)
	}
}

// TestProductAskedForOutweighsOnesInPassing checks that the product the
// customer asks the company to act on (send back, replace) is the case's,
// over one named later in passing, and that a correction still wins.
func TestProductAskedForOutweighsOnesInPassing(t *testing.T) {
	checkWritten(t, "product", []categoryCase{
		{chat("Guten Tag, ich möchte das M10 Zweierpack zurückschicken, das ich vor zwei Wochen bestellt habe.",
			"Ich hab zeitgleich den X300 gekauft und der schafft die ganze Wohnung allein."), "P-M10"},
		{chat("Ich möchte das M10 Zweierpack zurückschicken.",
			"Entschuldigung, ich meinte den X300, nicht die Nodes."), "P-X300"},
	})
}

// TestReplacedDeviceIsNotTheCase checks that of two devices the one the
// customer replaced ("upgraded from the X200 to the X300", "the old
// X200") is not the case's, in several languages.
func TestReplacedDeviceIsNotTheCase(t *testing.T) {
	checkWritten(t, "product", []categoryCase{
		{chat("I upgraded from the X200 to the X300 last month and now it gets very hot and smells of burning.",
			"The old X200 never did that."), "P-X300"},
		{chat("Ich bin vom X200 auf den X300 umgestiegen, und jetzt bricht das WLAN jeden Abend ab.",
			"Mit dem alten X200 hatte ich das nie."), "P-X300"},
		{chat("Sono passata dal X300 al X200 per risparmiare e ora il X200 si riavvia da solo.",
			"Il vecchio X300 non lo faceva."), "P-X200"},
	})
}

// TestHazardIsAFault checks that a device that burns or melts is a
// product defect even when the customer asks what to do about it or
// says their other devices work.
func TestHazardIsAFault(t *testing.T) {
	checkCategories(t, []categoryCase{
		{chat("El enchufe inteligente olía a quemado y estaba muy caliente, lo he desenchufado. Otros aparatos en esa toma funcionan bien. ¿Qué hago? ¿Es seguro?"), "Product defect"},
		{chat("there was a smell like melting plastic coming off the router tonight, I unplugged it. can I use my old one in the meantime?"), "Product defect"},
	})
}

// TestEarlierOrderIsNotTheCase checks that an order number or a device
// the customer places in a year or season gone by ("when I ordered the
// X200 last autumn (ORD-...)", "l'an dernier (commande ORD-...)") is not
// the case's, though named last.
func TestEarlierOrderIsNotTheCase(t *testing.T) {
	fields := storiesTenantFields(t, "order_number", "product")
	p := newPredictor(t)
	for _, tc := range []struct {
		msgs         []channel.Message
		order, prodc string
	}{
		{chat("My M10 mesh nodes, order ORD-418201, still haven't arrived after ten days. When I ordered the X200 last autumn (ORD-377100) it came in two days."), "ORD-418201", "P-M10"},
		{chat("Je souhaite renvoyer le thermostat reçu hier, commande ORD-497300. Nous en avions déjà acheté un l'an dernier (commande ORD-351800) qui marche très bien."), "ORD-497300", "P-THERM"},
		{chat("Wrong one, sorry: the order is not ORD-100100 but ORD-200200."), "ORD-200200", ""},
	} {
		req := &predict.Request{Fields: fields, Messages: tc.msgs}
		if got, conf := written(t, p, req, "order_number"); got != tc.order {
			t.Errorf("%q: order %q (%.2f), want %s", tc.msgs[0].Text, got, conf, tc.order)
		}
		if tc.prodc == "" {
			continue
		}
		if got, conf := written(t, p, req, "product"); got != tc.prodc {
			t.Errorf("%q: product %q (%.2f), want %s", tc.msgs[0].Text, got, conf, tc.prodc)
		}
	}
}

// TestRouterThatCoversIsNotTheReturn checks that a router named as
// covering the home is not the product of a return of the mesh nodes it
// made unneeded, whatever the nodes are called.
func TestRouterThatCoversIsNotTheReturn(t *testing.T) {
	checkWritten(t, "product", []categoryCase{
		{chat("Want to send something back: the two-pack of mesh nodes. Turns out the X300 covers the whole house fine on its own."), "P-M10"},
		{chat("Wij hebben een X300 en een set van 2 mesh nodes gekocht. Nu blijkt dat de X300 in ons huis alles prima dekt. Die mesh punten zijn dus overbodig, kan ik die terugsturen?"), "P-M10"},
	})
}
