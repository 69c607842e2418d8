package heuristic

import (
	"strconv"
	"strings"
	"sync"
)

// The cue lexicon maps the words and phrases customers and administrators
// use for the common support situations, in English, Spanish, German,
// Portuguese and French, to shared concepts. Both the customer's text and
// the option descriptions of a field are read through it, so that "hat
// zweimal abgebucht" in a message meets "charges" in a description. It
// holds general support vocabulary only; what an option means always
// comes from the tenant's own descriptions.
//
// Each line is "concept[+concept...]: phrase | phrase | ...". Phrases are
// folded words (lower case, no diacritics, no apostrophes). A word ending
// in '*' matches any word it begins (at least three letters before the
// '*'); a word ending in '!' matches only itself, not other forms of it;
// "..." lets up to four words stand before the next word; otherwise one or
// two unrelated words may stand between the words of a phrase. A phrase
// ending in "^w" weighs w instead of 1. A concept written with a leading
// '-' is dropped when negated ("not hacked").
const lexiconText = `
-malfunction+problem: not work* | no work* | doesnt work* | dont work* | didnt work* | isnt work* | wont work* | arent work* | stopped work* | stop work* | stopped^0.8 | has stopped | dejo de^0.8 | deja de^0.8 | parou de^0.8 | aufgehort^0.8 | arrete de^0.8 | no alerts | no notification* | inaccurate | wrong time | an hour late | one hour late | an hour early | hour behind | una hora tarde | una hora de retraso | eine stunde zu spat | uma hora atrasad* | une heure de retard | hora equivocada | falsche uhrzeit | hora errada | mauvaise heure | wrong temperature | wrong reading* | incorrect reading* | quit work* | not function* | broken | broke | faulty | fault* | defect* | malfunction* | fail* | error* | bug | bugs | buggy | glitch* | not respond* | no respond* | nao respond* | ne repond* | antwortet nicht | loses the connection | loses connection | keeps losing | verliert^0.8 | pierde^0.8 | perde^0.8 | perd!^0.8 | stays on | stay on | stays lit | bleibt an | bleibt ... an | se queda encendid* | fica ligad* | reste allume* | verliert* ... verbindung | bricht ... ab | pierde ... conexion | perde ... conexao | perd ... connexion | von selbst | von allein* | tout seul | toute seule | por si solo | por si sola | sozinho | sozinha | unresponsive | nothing respond* | doesnt respond* | dont respond* | no response | drop* | disconnect* | flicker* | blink* | flash* | lost connection | loses connection | losing connection | lost every | lost all | lost its | lost the connection | lost contact | no connection | no signal | no wifi | no wi fi | no picture | no image | no video | no sound | no audio | no link | no light | black screen | blank | turns off | switches off | shuts off | shuts down | by itself | on its own | by themselves | randomly | not turn* on | wont turn on | doesnt turn on | dont turn on | not switch* off | wont switch off | wont turn off | doesnt turn off | not heat* | not charging! | stopped charging! | wont charge! | doesnt charge! | wont start | doesnt start | dont start | not start* | wont boot | doesnt boot | not boot* | not connect* | wont connect | cant connect | cannot connect | unable to connect | doesnt come on | dont come on | didnt come on | not come on | wont come on | doesnt record* | not record* | stays amber | stays red | red light | keeps going | keeps dropping | keeps turning | keeps switching | stuck on | not detect* | doesnt detect | no longer | noise | noisy | beep* | no funciona* | no anda | dejo de funcionar | deja de funcionar | no sirve | roto | rota | averia* | averiad* | falla* | fallo* | no enciende | se apaga* | se desconect* | sin conexion | sin senal | no graba* | parpade* | defectuos* | funktioniert nicht | funktioniert kein* | geht nicht | kaputt | defekt* | storung | stoerung | keine verbindung | kein wlan | reagiert nicht | flacker* | blinkt | trennt | nao funciona* | parou de funcionar | quebr* | defeit* | falh* | nao liga | desliga* | desconect* | sem conexao | sem sinal | pisca* | ne fonctionne pas | fonctionne pas | fonctionne plus | ne marche pas | marche pas | marche plus | en panne | casse* | defectueu* | defaut* | ne s allume pas | s eteint | deconnect* | plus de connexion | sans connexion | pas de connexion | pas de wifi | clignot*
-malfunction+outage+problem: no internet^1.5 | kein internet^1.5 | internet weg^1.5 | sin internet^1.5 | sans internet^1.5 | offline^1.5 | off line^1.5 | dead^1.5 | died^1.5 | no power^1.5 | wont power on^1.5 | doesnt power on^1.5 | not at all^1.5 | at all anymore^1.5 | nothing work*^1.5 | completely dead^1.5 | unusable^1.5 | cant use^1.5 | cannot use^1.5 | fuera de linea^1.5 | desconectad*^1.5 | no funciona nada^1.5 | caido^1.5 | caida^1.5 | ausgefallen^1.5 | gar nicht^1.5 | uberhaupt nicht^1.5 | nichts geht^1.5 | tot^1.5 | fora do ar^1.5 | nada funciona^1.5 | caiu^1.5 | hors ligne^1.5 | hors service^1.5 | plus rien^1.5 | rien ne marche^1.5 | du tout^1.5 | muerto^1.5 | morto^1.5 | mort^1.5
outage: at all^1.2 | none of^1.2 | ninguna de^1.2 | ninguno de^1.2 | nenhum dos^1.2 | nenhuma das^1.2 | aucun des^1.2 | aucune des^1.2 | keines der^1.2 | keine der^1.2
-outage: outage^1.5 | down for^1.5 | is down^1.5 | are down^1.5 | went down^1.5 | goes down^1.5 | completely^1.5 | totally^1.5 | entirely^1.5 | whole house^1.5 | whole home^1.5 | toda la casa^1.5 | ganzen haus^1.5 | toda a casa^1.5 | toute la maison^1.5 | no hay internet^1.5 | no hay conexion^1.5 | sem internet^1.5 | plus d internet^1.5 | cant control^1.5 | cannot control^1.5 | unable to control^1.5 | all devices^1.5 | every device^1.5 | all my devices^1.5 | totalmente^1.5 | completamente^1.5 | komplett^1.5 | vollig^1.5 | completement^1.5 | totalement^1.5
-overheat+safety: overheat* | too hot | very hot | hot to the touch | gets hot | getting hot | sobrecalent* | calienta* | uberhitz* | heiss | superaquec* | esquent* | surchauff* | chauffe*
-safety: danger* | hazard* | risk* | unsafe | peligro* | riesgo* | gefahr* | gefahrlich | risiko* | perigo* | risco* | perigos* | risque* | dangereu*
-smoke+safety: smok* | smoke | fire | burn* | spark* | melt* | explod* | shock* | humo | fuego | quema* | chispa* | rauch* | feuer | brennt | fumaca | fogo | queim* | fumee | feu | brul* | etincel*
-security: hack* | compromis* | taken over | take over | someone else | somebody else | stranger* | unauthori* | breach* | stolen | phishing | fraud* | exposed | expose | privacy | spying | spy | security | secure | seguridad | hackead* | robad* | gehackt | sicherheit* | fremd* | betrug* | seguranca | invadid* | roubad* | pirate* | securite | usurp*
-reboot+malfunction+problem: reboot* | restart* | power cycl* | turn it off and on | startet neu | neu gestartet | neustart* | reinici* | redemarr* | relanc*
-crash+malfunction+problem: crash* | freez* | frozen | hangs | hung | absturz* | sturzt ab | abgesturzt | hangt | se cuelga | se bloquea | congela* | trava* | travou | plante | plantage
-charge: charged | charge | charges | charging me | chargeback | overcharg* | billed | bill | bills | billing | overcharg* | debit* | transaction* | taken from | took money | cobr* | cargo* | cargaron | abbuch* | abgebucht | belast* | debite* | prelev*
-invoice: invoice* | receipt* | factur* | rechnung* | quittung | fatura* | recibo* | facture* | recu
-payment: payment* | paid | pay | paying | credit card | card payment | paypal | pago* | pagar | pague | tarjeta de credito | zahlung* | bezahl* | kreditkarte | pagament* | cartao de credito | paiement* | payer | paye | carte bancaire
-fee: fee | fees | price* | cost* | cuota | tarifa* | precio* | gebuhr* | kosten | preis* | taxa* | preco* | frais | tarif* | prix
-subscription: subscri* | renew* | plan | suscrip* | abonn* | abo | assinatura* | mensalidade
-money+charge: money | dinero | geld | dinheiro | argent
-refund: refund* | money back | reimburs* | reembols* | devolucion del dinero | devuelvan | erstatt* | ruckerstatt* | geld zuruck | estorno | estorn* | rembours*
-duplicate: twice | double* | two times | 2 times | duplicat* | dos veces | doble | duplicad* | zweimal | doppelt* | duas vezes | em dobro | deux fois | en double
-problem: problem* | issue* | trouble* | problema* | fehler* | probleme* | erreur* | difficult* | schwierigkeit* | dificultad*
resolved: fixed it | that fixed | works now | working now | working again | works again | all good now | problem solved | issue solved | solved it | is solved | is resolved | been resolved | you can close | can be closed | please close | ya funciona | funciona ahora | solucionado | resuelto | pueden cerrar | funktioniert wieder | geht wieder | gelost | erledigt | konnen schliessen | funciona agora | resolvido | resolveu | podem fechar | ca marche | ca fonctionne | fonctionne a nouveau | resolu | c est regle | vous pouvez fermer
cancel: cancel* | kundig* | gekundigt | storn* | annul* | resili*
signin: sign in | signin | sign into | signing in | log in | login | logging in | log into | logon | get into | get in to | access my account | locked out | lock* out | account locked | account is locked | authenticat* | iniciar sesion | inicio de sesion | acceder | entrar | anmeld* | einlogg* | zugang | fazer login | acessar | connexion | se connecter | me connecter | identifi*
password+signin: password* | passcode | passwort* | kennwort | contrasena* | clave | senha* | mot de passe
code+signin: sms never arriv* | code never arriv* | codes never arriv* | text never arriv* | email never arriv* | sms doesnt arrive | sms nunca llega | codigo nunca llega | sms kommt nie | code kommt nie | sms nao chega | codigo nunca chega | sms n arrive pas | code n arrive pas | verification code | two factor | 2fa | mfa | otp | one time code | sms code | digit code | codes | code | codigo* | verificacion | bestatigungscode | verifizierung* | codigo | verificacao | verification
account: account* | profile | cuenta | konto | benutzerkonto | conta | compte
reset: reset* | restablec* | zurucksetz* | redefin* | reinitialis*
order: order* | ordered | purchas* | bought | buy | pedido* | compra* | compre | bestell* | gekauft | kauf* | encomend* | comprei | commande* | achete* | achat*
delivery: deliver* | shipping | shipment* | shipped | ship | track* | parcel* | package* | courier* | carrier* | transit | dispatch* | postal | envio* | enviad* | paquete* | entrega* | seguimiento | transportista | lieferung* | geliefert | liefer* | zugestellt | zustell* | paket* | sendung* | versand* | versendet | kurier | entregue | pacote* | encomenda* | rastreio | rastreamento | transportadora | livraison* | livre | colis | suivi | transporteur | expedi*
-lost+delivery: not received | never received | havent received | hasnt arrived | not arrived | never arrived | didnt arrive | hasnt come | nothing came | never came | never showed up | not delivered | never delivered | no ha llegado | no llego | nunca llego | nicht angekommen | nicht erhalten | nie angekommen | nicht geliefert | nao chegou | nunca chegou | nao recebi | pas recu | jamais recu | pas arrive | pas livre
-lost: lost | missing | went missing | disappeared | perdid* | extravi* | verloren | verschwunden | perdu* | sumiu | desaparec*
-late: late | delay* | still waiting | waiting for | hasnt changed | not moved | hasnt moved | no update | overdue | stuck in | retras* | llega tarde | llego tarde | demora* | verspat* | verzog* | wart* | atras* | retard* | en retard | attend*
address: address* | direccion* | adresse* | endereco*
-damaged: damag* | dented | crush* | smashed | cracked | shattered | arrived broken | danad* | beschadig* | kaputt angekommen | danific* | amassad* | abime* | endommag*
return: return* | send ... back | sent ... back | sending ... back | ship ... back | take ... back | give ... back | bring ... back | devolv* | devolucion* | devolu* | zuruckschick* | zurucksend* | zuruckgeb* | rucksend* | retoure* | widerruf* | retour* | retourn* | renvoy* | renvoi*
exchange: exchange* | swap* | trade in | cambiar* | cambio | intercambi* | umtausch* | tausch* | trocar | troca* | echang*
replace: replace* | replacement | reemplaz* | sustitu* | ersatz | ersetz* | substitu* | remplac*
howto+question: how do i | how can i | how to | how does | how should i | how would i | is it possible | is there a way | where can i | where do i | can i | can you tell me how | como puedo | como se | como hago | como configur* | wie kann ich | wie richte | wie stelle | wie funktioniert | wie geht | como posso | como faco | como fazer | comment faire | comment puis je | comment je | comment est ce que | comment peut on | comment on | como se puede | como consigo | wie mache ich | como eu | est il possible | es posible | ist es moglich | e possivel
howto: instruction* | tutorial* | user guide | user manual | explain* | walk me through | anleitung* | bedienungsanleitung | instrucc* | instruc* | explica* | erklar* | mode d emploi | notice
-question: question* | wonder* | curious | pregunta* | duda* | frage* | pergunta* | duvida* | quick question
setup: set up | setup | setting up | install | installing | installation | configur* | settings! | pair | pairing | schedule* | einricht* | einstell* | konfigur* | installier* | instalar | instalacion | instalacao | ajust* | configuracion | parametr* | reglage* | config* | installer
use: usage | usar | uso | benutzung | verwendung | utilisation | utilizacao
works: works | working | work fine | working fine | works well | work well | runs fine | funciona bien | funciona bem | fonctionne bien | funktioniert gut | funciona | funcionan | funktioniert | funktionieren | fonctionne | marche
feature: feature* | would be nice | would be great | would love | wish* | suggest* | add support | support for | please add | could you add | can you add | poderiam adicionar | podem adicionar | podiam adicionar | podrian anadir | podrian agregar | pueden anadir | pueden agregar | pourriez vous ajouter | pouvez vous ajouter | konnten sie ... hinzufugen | konnen sie ... hinzufugen | roadmap | idea* | improve* | enhancement* | sugerencia* | me gustaria | seria genial | funcion* | wunsch* | vorschlag* | ware schon | ware toll | sugest* | gostaria | seria otimo | fonctionnalite* | souhait* | serait bien
lacks: does not exist | doesnt exist | nao existe | no existe | n existe pas | existiert nicht | gibt es nicht | does not have | doesnt have | dont have | no option | not possible | no way to | there is no | is missing | lacks | lacking | no tiene | no hay | hat kein* | gibt es kein* | nao tem | nao ha | n a pas | il n y a pas
-degraded+malfunction+problem: takes ages | takes forever | takes too long | takes a long time | used to be | used to work | tarda mucho | antes funcionaba | dauert ewig | dauert lange | fruher ging | demora muito | antes funcionava | met du temps | prend du temps | avant ca marchait | intermittent* | on and off | off and on | slow* | lag | lags | lagging | laggy | weak signal | poor* | reduced | partial* | lento | intermitente | langsam | zeitweise | lent
-degraded: degrad* | sometimes | occasional* | every few | every hour* | every minute* | every night | every evening | every day | every morning | most nights | each night | from time to time | now and then | again and again | a veces | de vez en cuando | cada hora* | cada noche | manchmal | ab und zu | immer wieder | alle minuten | alle stunden | jede nacht | as vezes | de vez em quando | toda noite | parfois | de temps en temps | chaque nuit | toutes les
-workaround+malfunction: to compensate | para compensar | um das auszugleichen | pour compenser
-workaround: kommt ... wieder | se recupera | volta ... sozinh* | revient tout seul | workaround* | work around | comes back | come back | came back | brings it back | back by itself | back on its own | still work* | otherwise fine | fine otherwise | for now | temporar* | fine^0.3 | ok^0.3 | ok for now | works fine | records fine | no problem otherwise | without problems | without any problem | sin problemas | sin problema | ohne probleme | ohne problem | sem problemas | sem problema | sans probleme* | sans souci | solucion temporal | vuelve | workaround | geht wieder | funktioniert wieder | sonst funktioniert | volta | contournement | revient
-urgent: urgent* | asap | as soon as possible | emergency | immediately | right away | critical | dringend* | sofort | notfall | urgente | cuanto antes | lo antes posible | emergencia | o mais rapido | imediatamente | urgence | au plus vite | immediatement
business: cafe | cafes | coffee shop | bakery | salon | clinic | hotel | pub | pharmacy | cafeteria | panaderia | backerei | padaria | boulangerie | farmacia | apotheke | pharmacie | praxis | business* | company | companies | office | shop | store | restaurant | our customers | my customers | employees | staff | my clients | our clients | empresa* | negocio* | oficina | tienda | firma | geschaft* | buro | laden | kunden | mitarbeiter | loja | escritorio | clientes | entreprise* | bureau | boutique | magasin | salaries
noimpact: no impact | without impact | nothing is broken | nothing broken | not urgent | no rush | when you have time | no hurry | just curious | just wondering | nothing urgent | no big deal | not a big deal | sin prisa | no es urgente | keine eile | nicht dringend | sem pressa | nao e urgente | pas urgent | rien d urgent | pas presse
request: request* | solicit* | could you | can you | would you | please send | id like | i would like | podria | podrian | puede | konnten sie | konnen sie | poderia | pode | pourriez vous | pouvez vous
camera: camera* | cam | cams | camara* | kamera* | camera | webcam
outdoor: outdoor* | outside | exterior* | aussen* | draussen | externa | exterieur*
indoor: indoor* | inside | interior* | innen* | interna | interieur*
router: router* | wifi router | enrutador | routeur
app: app | apps | application | aplicacion | aplicativo | anwendung
`

type lexWord struct {
	w      string // folded word, or the prefix for a prefix word
	stem   string
	prefix bool
	// wide lets up to four words stand before this one ("send the old
	// router back"), written "..." in the lexicon.
	wide bool
	// exact words, written with a trailing '!', match only as written,
	// not by stem ("charging!" is not "charged").
	exact bool
}

type lexEntry struct {
	weight   float64
	words    []lexWord
	concepts []string // "#name"
	drop     []bool   // concept is dropped when negated
}

// lexicon is a compiled cue lexicon. It is read-only once built and safe
// for concurrent use.
type lexicon struct {
	exact  map[string][]*lexEntry // by stem of the first word
	prefix map[string][]*lexEntry // by the first three letters of the first word
}

// negFlip maps a concept found negated to the concept it then means.
var negFlip = map[string]string{"#works": "#malfunction"}

var defaultLexicon = sync.OnceValue(func() *lexicon { return parseLexicon(lexiconText) })

func parseLexicon(text string) *lexicon {
	lx := &lexicon{exact: map[string][]*lexEntry{}, prefix: map[string][]*lexEntry{}}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		head, body, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var concepts []string
		var drop []bool
		for c := range strings.SplitSeq(head, "+") {
			d := strings.HasPrefix(c, "-")
			c = strings.TrimPrefix(c, "-")
			concepts = append(concepts, "#"+c)
			drop = append(drop, d || strings.HasPrefix(head, "-"))
		}
		for phrase := range strings.SplitSeq(body, "|") {
			e := lexEntry{weight: 1}
			if p, w, ok := strings.Cut(phrase, "^"); ok {
				if f, err := strconv.ParseFloat(strings.TrimSpace(w), 64); err == nil {
					phrase, e.weight = p, f
				}
			}
			wide := false
			for w := range strings.FieldsSeq(phrase) {
				if w == "..." {
					wide = true
					continue
				}
				exact := strings.HasSuffix(w, "!")
				w = strings.TrimSuffix(w, "!")
				p := strings.HasSuffix(w, "*")
				w = strings.TrimSuffix(w, "*")
				if p && len(w) < 3 {
					p = false
				}
				e.words = append(e.words, lexWord{w: w, stem: stem(w), prefix: p, wide: wide, exact: exact})
				wide = false
			}
			if len(e.words) == 0 {
				continue
			}
			e.concepts, e.drop = concepts, drop
			first := e.words[0]
			if first.prefix {
				k := first.w[:3]
				lx.prefix[k] = append(lx.prefix[k], &e)
			} else {
				lx.exact[first.stem] = append(lx.exact[first.stem], &e)
			}
		}
	}
	return lx
}

func (w *lexWord) match(t *token) bool {
	if w.prefix {
		return strings.HasPrefix(t.fold, w.w)
	}
	return t.fold == w.w || !w.exact && t.stem == w.stem
}

// matchAt returns the entry of the longest phrase that starts at toks[i]
// and the index just past it, or nil.
func (lx *lexicon) matchAt(toks []token, i int) (*lexEntry, int) {
	t := &toks[i]
	var best *lexEntry
	bestEnd := i
	try := func(es []*lexEntry) {
		for _, e := range es {
			if !e.words[0].match(t) {
				continue
			}
			j := i + 1
			ok := true
			for k := 1; k < len(e.words); k++ {
				if e.words[k].wide {
					found := false
					for g := 0; g <= 4 && j+g < len(toks); g++ {
						if g > 0 && toks[j+g].brk || toks[j+g].is(fNeg) {
							break
						}
						if e.words[k].match(&toks[j+g]) {
							j += g + 1
							found = true
							break
						}
					}
					if !found {
						ok = false
						break
					}
					continue
				}
				switch {
				case j < len(toks) && !toks[j].brk && e.words[k].match(&toks[j]):
					j++
				case j+1 < len(toks) && !toks[j].brk && !toks[j+1].brk && e.words[k].match(&toks[j+1]):
					j += 2
				case j+2 < len(toks) && !toks[j].brk && !toks[j+1].brk && !toks[j+2].brk && !toks[j].is(fNeg) && !toks[j+1].is(fNeg) && e.words[k].match(&toks[j+2]):
					j += 3
				default:
					ok = false
				}
				if !ok {
					break
				}
			}
			if ok && (j > bestEnd || j == bestEnd && best != nil && len(e.words) > len(best.words)) {
				best, bestEnd = e, j
			}
		}
	}
	try(lx.exact[t.stem])
	if len(t.fold) >= 3 {
		try(lx.prefix[t.fold[:3]])
	}
	return best, bestEnd
}

// term is a concept ("#name") or a literal word stem found in a text.
type term struct {
	key   string
	w     float64
	start int // token index
	neg   bool
}

// terms reads toks through the lexicon: concepts for the phrases it
// knows, stems of the other content words. Negated concepts that are
// dropped when negated are left out, and negated concepts that flip are
// turned into their opposite; negated literal words are left out.
func (lx *lexicon) terms(toks []token, out []term) []term { return lx.readTerms(toks, out, false) }

// readTerms is terms; with keepNeg, negated concepts that would be dropped
// are kept, marked neg.
func (lx *lexicon) readTerms(toks []token, out []term, keepNeg bool) []term {
	floor := 0 // negators before a matched phrase's end were its own
	for i := 0; i < len(toks); {
		e, end := lx.matchAt(toks, i)
		if e != nil {
			neg := !toks[i].is(fNeg) && negated(toks[floor:], i-floor)
			for k := i; k < end; k++ {
				if toks[k].is(fNeg) {
					floor = end
				}
			}
			for k, c := range e.concepts {
				if neg {
					if f, ok := negFlip[c]; ok {
						out = append(out, term{key: f, w: e.weight, start: i})
						continue
					}
					if e.drop[k] && !keepNeg {
						continue
					}
				}
				out = append(out, term{key: c, w: e.weight, start: i, neg: neg})
			}
			i = end
			continue
		}
		t := &toks[i]
		if !t.is(fStop|fNeg) && (len(t.fold) >= 3 || hasDigit(t.fold)) && !negated(toks[floor:], i-floor) {
			out = append(out, term{key: t.stem, w: 1, start: i})
		}
		i++
	}
	return out
}
