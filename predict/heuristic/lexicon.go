package heuristic

import (
	"strconv"
	"strings"
	"sync"
)

// The cue lexicon maps the words and phrases customers and administrators
// use for the common support situations, in English, Spanish, German,
// Portuguese, French, Italian and Dutch, to shared concepts. Both the customer's text and
// the option descriptions of a field are read through it, so that "hat
// zweimal abgebucht" in a message meets "charges" in a description. It
// holds general support vocabulary only; what an option means always
// comes from the tenant's own descriptions.
//
// Each line is "concept[+concept...]: phrase | phrase | ...". Phrases are
// folded words (lower case, no diacritics, no apostrophes). A word ending
// in '*' matches any word it begins (at least three letters before the
// '*'); a word ending in '!' matches only itself, not other forms of it;
// "..." lets up to seven words stand before the next word; a word written
// with a leading '+' follows the one before it directly ("dont have +to"
// is not "don't have a way to"); otherwise one or two unrelated words may
// stand between the words of a phrase. A phrase
// ending in "^w" weighs w instead of 1. A concept written with a leading
// '-' is dropped when negated ("not hacked").
const lexiconText = `
outdoor+camera: buitencamera* | aussenkamera* | aubenkamera* | outdoorcam* | telecamera esterna | camara exterior | camera exterieure | camera externa
indoor+camera: binnencamera* | innenkamera* | indoorcam* | telecamera interna | camara interior | camera interieure | camera interna
-malfunction+problem: not normal | isnt normal | no es normal | nicht normal | nao e normal | pas normal | non e normale | niet normaal | not work* | wifi a disparu | reseau a disparu | wifi disparu | wifi is gone | wifi disappeared | network disappeared | wifi desaparecio | red desaparecio | wlan ist verschwunden | netz ist verschwunden | wifi sumiu | rede sumiu | wifi desapareceu | wifi e sparito | rete e sparita | wifi is verdwenen | netwerk is verdwenen | depuis la mise a jour | desde la actualizacion | seit dem update | desde a atualizacao | dall aggiornamento | sinds de update | no work* | doesnt work* | dont work* | didnt work* | isnt work* | wont work* | arent work* | stopped work* | stop work* | stopped^0.8 | has stopped | dejo de^0.8 | deja de^0.8 | parou de^0.8 | aufgehort^0.8 | arrete de^0.8 | no alerts | no notification* | inaccurate | wrong time | an hour late | one hour late | an hour early | hour behind | una hora tarde | una hora de retraso | eine stunde zu spat | uma hora atrasad* | une heure de retard | hora equivocada | falsche uhrzeit | hora errada | mauvaise heure | wrong temperature | wrong reading* | incorrect reading* | quit work* | not function* | broken | broke | faulty | fault* | defect* | malfunction* | fail* | error* | bug | bugs | buggy | glitch* | not respond* | no respond* | nao respond* | ne repond* | antwortet nicht | loses the connection | loses connection | keeps losing | verliert^0.8 | pierde^0.8 | perde^0.8 | perd!^0.8 | stays on | stay on | stays lit | bleibt an | bleibt ... an | se queda encendid* | fica ligad* | reste allume* | verliert* ... verbindung | bricht ... ab | pierde ... conexion | perde ... conexao | perd ... connexion | von selbst | von allein* | tout seul | toute seule | por si solo | por si sola | sozinho | sozinha | unresponsive | nothing respond* | doesnt respond* | dont respond* | no response | drop* | disconnect* | flicker* | blink* | flash* | lost connection | loses connection | losing connection | lost every | lost all | lost its | lost the connection | lost contact | no connection | no signal | no wifi | no wi fi | no picture | no image | no video | no sound | no audio | no link | no light | black screen | blank | turns off | switches off | shuts off | shuts down | by itself | on its own | by themselves | randomly | not turn* on | wont turn on | doesnt turn on | dont turn on | not switch* off | wont switch off | wont turn off | doesnt turn off | not heat* | not charging! | stopped charging! | wont charge! | doesnt charge! | wont start | doesnt start | dont start | not start* | wont boot | doesnt boot | not boot* | not connect* | wont connect | cant connect | cannot connect | unable to connect | doesnt come on | dont come on | didnt come on | not come on | wont come on | doesnt record* | not record* | stays amber | stays red | red light | keeps going | keeps dropping | keeps turning | keeps switching | stuck on | not detect* | doesnt detect | no longer | noise | noisy | beep* | no funciona* | no anda | dejo de funcionar | deja de funcionar | no sirve | roto | rota | averia* | averiad* | falla* | fallo* | no enciende | se apaga* | se desconect* | sin conexion | sin senal | no graba* | parpade* | defectuos* | funktioniert nicht | funktioniert kein* | geht nicht | kaputt | defekt* | storung | stoerung | keine verbindung | kein wlan | reagiert nicht | flacker* | blinkt | trennt | nao funciona* | parou de funcionar | quebr* | defeit* | falh* | nao liga | desligou | desliga se | se desliga | desliga sozinh* | desliga-se | desconect* | sem conexao | sem sinal | pisca* | ne fonctionne pas | fonctionne pas | fonctionne plus | ne marche pas | marche pas | marche plus | en panne | casse* | defectueu* | defaut* | ne s allume pas | s eteint | deconnect* | plus de connexion | sans connexion | pas de connexion | pas de wifi | clignot* | non funziona* | non va piu | smesso di funzionare | ha smesso | non si accende | si spegne | si disconnette | disconness* | si scollega | scollegat* | guast* | rotto | rotta | difettos* | non risponde | lampeggi* | sfarfall* | errore | nessuna connessione | senza connessione | non si connette | non si collega | perde la connessione | schermo nero | immagine nera | nessuna immagine | non si spegne | resta acces* | rimane acces* | non scalda | valori sbagliati | lettura sbagliata | werkt niet | werkt ... niet | doet het niet | doet niks | kapot | is stuk | gaat stuk | ging stuk | storing | gaat uit | valt uit | valt weg | geen verbinding | verbinding kwijt | verliest ... verbinding | reageert niet | knippert | flikker* | start niet | gaat niet aan | springt niet aan | geen warmte | verwarmt niet | slaat niet aan | geen beeld | zwart beeld | blijft aan | gaat niet uit | verkeerde waarde* | klopt niet | no vuelve a conectarse | no se conecta | no conecta | no se enciende | no calienta | ne chauffe plus | ne s active plus | ne se connecte plus | nao conecta | nao aquece | verbindet sich nicht | image noire | imagen negra | tela preta | schwarzes bild | aucune lumiere | ninguna luz | keine lampe leuchtet | wrong since | way off | shows the wrong | shows wrong | loses^0.8 | unavailable | nothing connect* | nada conecta | nichts verbindet sich | nada conecta | rien ne se connecte | niente si connette | niets maakt verbinding | shows an error | shows error* | error code* | fehlercode* | codigo de error | codigo de erro | code d erreur | codice di errore | foutcode* | foutmelding* | affiche ... erreur | muestra ... error | zeigt ... fehler | mostra ... errore | mostra ... erro | geeft ... fout* | valt ... weg | af en toe weg | soms weg | valt steeds weg | reading off | readings off | reading is off | readings are off | is off by | are off by | uur te laat | uur te vroeg | un ora in ritardo | un ora avanti | un ora dopo | loud click* | makes a click* | clicking noise | clicking sound | strange noise* | weird noise* | ruido* | bruit* | gerausch* | rumore* | rumor estranho | lawaai | vreemd geluid | raar geluid | entrou agua | entro agua | water got in | water inside | wasser eingedrungen | wasser drin | eau est entree | de l eau dans | acqua dentro | entrata acqua | water binnen | vocht in | embaciad* | empanad* | foggy | fogged | blurry | blurred | borros* | unscharf | verschwommen | flou | floue | sfocat* | appannat* | wazig | beslagen | barely see | can hardly see | quase nao se ve | apenas se ve | kaum etwas sehen | ne voit presque rien | non si vede quasi niente | bijna niets zien | since the last update | since the update | depuis la derniere mise a jour | desde la ultima actualizacion | seit dem letzten update | desde a ultima atualizacao | dall ultimo aggiornamento | sinds de laatste update | no desaparece | doesnt go away | wont go away | does not go away | verschwindet nicht | nao desaparece | ne disparait pas | non sparisce | gaat niet weg | nothing saved | nothing was saved | nothing recorded | no recordings | missing recordings | gap in the recordings | no se grabo nada | nichts aufgezeichnet | nichts gespeichert | nada gravado | nada ficou gravado | rien enregistre | rien n a ete enregistre | niente registrato | niets opgenomen | niets opgeslagen | se corta | se cae | se interrumpe | se coupe | si interrompe | plus de son | pas de son | sin sonido | sin audio | kein ton | keinen ton | sem som | senza audio | nessun suono | geen geluid | plus d image | pas d image | n a plus de son | n a plus d image | n a plus de connexion | n a plus de reseau | que la realite | than it really is | than the real | than the actual | que la real | als die tatsachliche | als die echte | do que a real | della realta | dan de werkelijke | false alarm* | falsas alarmas | fehlalarm* | falsos alarmes | fausses alertes | falsi allarmi | valse meldingen | valse alarm* | even when nobody is there | aunque no haya nadie | obwohl niemand da ist | mesmo sem ninguem | meme quand il n y a personne | anche quando non c e nessuno | ook als er niemand is | degrees too high | degrees too low | degrees too warm | degrees too cold | grados de mas | grados de menos | grad zu hoch | grad zu niedrig | grad zu warm | grad zu kalt | graus a mais | graus a menos | degres de trop | degres de plus | degres de moins | gradi in piu | gradi in meno | gradi di troppo | graden te hoog | graden te laag | graden te warm | graden te koud | hasnt turned ... on | havent turned ... on | didnt turn ... on | never fires | doesnt fire | wont fire | non parte | non partono | non si avvia | no arranca | springt nicht an | startet nicht | nao arranca | nao inicia | ne demarre pas | mostra il codice | mostra ... codice di errore | muestra el codigo | zeigt den code | zeigt ... fehlercode | mostra o codigo | affiche le code | toont ... foutcode | shows code | shows the code | displays code | displays the code | still the same | same problem again | no change at all | nothing changed | sigue igual | sigue sin funcionar | nada cambio | sigue haciendo lo mismo | immer noch gleich | immer noch dasselbe | keine veranderung | continua igual | continua na mesma | nada mudou | toujours pareil | toujours la meme chose | rien n a change | sempre uguale | ancora uguale | non e cambiato nulla | niets veranderd | nog steeds hetzelfde | blijft hetzelfde | never come on | never comes on | never came on | never turns on | never turned on | wont come on | doesnt come on | does not come on | has never worked | never worked | nunca se enciende | nunca se ha encendido | nunca funciono | geht nie an | ging nie an | hat nie funktioniert | nunca acende | nunca ligou | nunca funcionou | ne s allume jamais | ne s est jamais allume | n a jamais fonctionne | non si accende mai | non si e mai acces* | non ha mai funzionato | gaat nooit aan | ging nooit aan | heeft nooit gewerkt
-malfunction+outage+problem: no internet^1.5 | niente funziona^1.5 | non funziona niente^1.5 | non funziona nulla^1.5 | non riparte^1.5 | non si riaccende^1.5 | non rispondono^1.5 | nada responde^1.5 | nichts reagiert^1.5 | rien ne repond^1.5 | niets reageert^1.5 | heeft geen wifi^1.5 | heeft geen internet^1.5 | hebben geen wifi^1.5 | hebben geen internet^1.5 | has no wifi^1.5 | has no internet^1.5 | have no wifi^1.5 | have no internet^1.5 | doesnt have wifi^1.5 | dont have wifi^1.5 | doesnt have internet^1.5 | dont have internet^1.5 | no tiene wifi^1.5 | no tiene internet^1.5 | no tenemos wifi^1.5 | no tenemos internet^1.5 | hat kein wlan^1.5 | hat kein internet^1.5 | haben kein wlan^1.5 | haben kein internet^1.5 | nao tem wifi^1.5 | nao tem internet^1.5 | n a pas de wifi^1.5 | n a pas internet^1.5 | non ha wifi^1.5 | non ha internet^1.5 | non abbiamo internet^1.5 | no heating^1.5 | no heat^1.5 | sin calefaccion^1.5 | ohne heizung^1.5 | keine heizung^1.5 | sem aquecimento^1.5 | sans chauffage^1.5 | plus de chauffage^1.5 | senza riscaldamento^1.5 | zonder verwarming^1.5 | geen verwarming^1.5 | non scatta mai^1.5 | non scatta piu^1.5 | never switches on^1.5 | nunca se activa^1.5 | schaltet nie^1.5 | nunca liga^1.5 | ne se declenche jamais^1.5 | schakelt nooit^1.5 | geen wifi^1.5 | geen wifi meer^1.5 | geen wlan^1.5 | kein wlan mehr^1.5 | no wifi^1.5 | pas de wifi^1.5 | niente wifi^1.5 | nessun wifi^1.5 | sem wifi^1.5 | morreu^1.5 | morreram^1.5 | murio^1.5 | se murio^1.5 | se ha muerto^1.5 | gestorben^1.5 | est mort^1.5 | est morte^1.5 | e morto^1.5 | e morta^1.5 | nao acende^1.5 | nem acende^1.5 | no prende^1.5 | no se prende^1.5 | apagou^1.5 | se apago^1.5 | kein internet^1.5 | internet weg^1.5 | sin internet^1.5 | sans internet^1.5 | offline^1.5 | off line^1.5 | dead^1.5 | died^1.5 | no power^1.5 | wont power on^1.5 | doesnt power on^1.5 | nothing work*^1.5 | completely dead^1.5 | unusable^1.5 | cant use^1.5 | cannot use^1.5 | fuera de linea^1.5 | desconectad*^1.5 | no funciona nada^1.5 | caido^1.5 | caida^1.5 | ausgefallen^1.5 | nichts geht^1.5 | sind tot^1.5 | fora do ar^1.5 | nada funciona^1.5 | caiu^1.5 | hors ligne^1.5 | hors service^1.5 | plus rien^1.5 | rien ne marche^1.5 | muerto^1.5 | morto^1.5 | mort^1.5 | senza internet^1.5 | niente internet^1.5 | nessuna connessione a internet^1.5 | non funziona piu^1.5 | del tutto^1.5 | morto^1.5 | fuori uso^1.5 | geen internet^1.5 | niets werkt^1.5 | werkt helemaal niet^1.5 | dood^1.5 | ligt plat^1.5 | doet helemaal niets^1.5 | ne s allume plus^1.5 | no da senal^1.5 | no enciende nada^1.5 | todas las luces apagadas^1.5 | deixou de funcionar de todo^1.5 | praticamente sem internet^1.5 | sin internet^1.5 | ist tot^1.5 | not reconnect*^1.5 | wont reconnect^1.5 | doesnt reconnect^1.5 | no vuelve a conectar*^1.5 | no se vuelve a conectar^1.5 | no se reconecta^1.5 | verbindet sich nicht mehr^1.5 | nao volta a ligar*^1.5 | nao se reconecta^1.5 | ne se reconnecte pas^1.5 | ne se reconnecte plus^1.5 | non si riconnette^1.5 | non si ricollega^1.5 | maakt geen verbinding meer^1.5 | cant see^1.5 | cannot see^1.5 | no consigo ver*^1.5 | no puedo ver*^1.5 | nicht mehr sehen^1.5 | nao consigo ver*^1.5 | ne vois plus^1.5 | non riesco a vedere^1.5 | niet meer zien^1.5 | kan ... niet meer zien^1.5 | hors ligne^1.5 | fuori linea^1.5 | niet online^1.5 | is offline^1.5 | nobody has ... internet^1.5 | no one has ... internet^1.5 | nadie tiene internet^1.5 | niemand hat internet^1.5 | ninguem tem internet^1.5 | personne n a internet^1.5 | nessuno ha internet^1.5 | niemand heeft internet^1.5 | n a plus internet^1.5 | n avons plus internet^1.5 | plus internet^1.5 | internet ... weg^1.5 | kann ... nicht arbeiten^1.5 | cant work^1.5 | cannot work^1.5 | no puedo trabajar^1.5 | nao consigo trabalhar^1.5 | ne peux pas travailler^1.5 | non posso lavorare^1.5 | kan niet werken^1.5 | nicht arbeiten^1.5 | niet werken^1.5 | not turn* on^1.5 | wont turn on^1.5 | doesnt turn on^1.5 | no enciende^1.5 | no se enciende^1.5 | nao liga^1.5 | ne s allume pas^1.5 | non si accende^1.5 | gaat niet aan^1.5 | gaat niet meer aan^1.5 | geht nicht an^1.5 | geht nicht mehr an^1.5 | sin wifi^1.5 | quedado sin*^1.5 | sem wifi^1.5 | sans wifi^1.5 | ohne wlan^1.5 | senza wifi^1.5 | zonder wifi^1.5 | vai abaixo^1.5 | foi abaixo^1.5 | va giu^1.5 | valt uit^1.5 | nunca liga^1.5 | never connects^1.5 | nunca se conecta^1.5 | verbindet sich nie^1.5 | ne se connecte jamais^1.5 | non si collega mai^1.5 | maakt nooit verbinding^1.5 | nao ha maneira de^1.5 | no hay manera de^1.5 | no hay forma de^1.5 | n a plus de wifi^1.5 | n avons plus de wifi^1.5 | n ont plus de wifi^1.5 | plus de wifi^1.5 | restent eteints^1.5 | reste eteint^1.5 | restent eteintes^1.5 | remain off^1.5 | stay off^1.5 | bleiben aus^1.5 | bleibt aus^1.5 | ficam desligad*^1.5 | fica desligad*^1.5 | restano spent*^1.5 | resta spent*^1.5 | blijven uit^1.5 | blijft uit^1.5 | ne pouvons plus travailler^1.5 | ne peux plus travailler^1.5 | ne peut plus travailler^1.5 | doesnt start anymore^1.5 | wont start anymore^1.5 | ya no arranca^1.5 | no arranca mas^1.5 | startet nicht mehr^1.5 | springt nicht mehr an^1.5 | ja nao arranca^1.5 | nao arranca mais^1.5 | ne demarre plus^1.5 | non parte piu^1.5 | non si avvia piu^1.5 | start niet meer^1.5 | springt niet meer aan^1.5 | not at all^1.5 | at all anymore^1.5 | gar nicht!^1.5 | uberhaupt nicht^1.5 | du tout^1.5 | per niente^1.5 | helemaal niet^1.5 | helemaal geen^1.5 | there is no internet^1.5 | theres no internet^1.5 | there is no wifi^1.5 | theres no wifi^1.5 | no hay internet^1.5 | no hay wifi^1.5 | es gibt kein internet^1.5 | nao ha internet^1.5 | il n y a pas d internet^1.5 | il n y a plus d internet^1.5 | non c e internet^1.5 | non c e piu internet^1.5 | er is geen internet^1.5
outage: none of^1.2 | ninguna de^1.2 | ninguno de^1.2 | nenhum dos^1.2 | nenhuma das^1.2 | aucun des^1.2 | aucune des^1.2 | keines der^1.2 | keine der^1.2 | every few minutes^1.2 | every couple of minutes^1.2 | every two minutes^1.2 | every 2 minutes^1.2 | every minute^1.2 | alle paar minuten^1.2 | alle zwei minuten^1.2 | jede minute^1.2 | cada pocos minutos^1.2 | cada dos minutos^1.2 | cada minuto^1.2 | a cada poucos minutos^1.2 | a cada dois minutos^1.2 | a cada minuto^1.2 | toutes les deux minutes^1.2 | toutes les minutes^1.2 | ogni pochi minuti^1.2 | ogni due minuti^1.2 | ogni minuto^1.2 | om de paar minuten^1.2 | elke paar minuten^1.2 | elke minuut^1.2 | at all^1.2
-outage: outage^1.5 | down for^1.5 | is down^1.5 | are down^1.5 | went down^1.5 | goes down^1.5 | completely^1.5 | totally^1.5 | entirely^1.5 | whole house^1.5 | whole home^1.5 | toda la casa^1.5 | ganzen haus^1.5 | toda a casa^1.5 | toute la maison^1.5 | no hay internet^1.5 | no hay conexion^1.5 | sem internet^1.5 | plus d internet^1.5 | cant control^1.5 | cannot control^1.5 | unable to control^1.5 | all my devices^1.5 | none of my devices^1.5 | totalmente^1.5 | completamente^1.5 | komplett^1.5 | vollig^1.5 | completement^1.5 | totalement^1.5 | tutta la casa^1.5 | in tutta la casa^1.5 | completamente^1.5 | totalmente^1.5 | het hele huis^1.5 | hele huis^1.5 | volledig^1.5 | compleet^1.5 | negocio esta parado^1.5 | negocio parado^1.5 | esta parado^1.5 | parad*^1.2 | paralizad*^1.5 | a l arret^1.5 | lahmgelegt^1.5 | stillstand^1.5 | steht still^1.5 | parado^1.5 | parada^1.5 | bloccato tutto^1.5 | ligt stil^1.5 | staat stil^1.5 | no podemos cobrar^1.5 | no puedo cobrar^1.5 | ne pouvons plus encaisser^1.5 | ne peut plus encaisser^1.5 | pouvons plus encaisser^1.5 | nao conseguimos cobrar^1.5 | non possiamo incassare^1.5 | non possiamo piu incassare^1.5 | kunnen niet afrekenen^1.5 | kunnen niet pinnen^1.5 | konnen nicht kassieren^1.5 | cant take payments^1.5 | cannot take payments^1.5 | cant take card payments^1.5 | cant charge customers^1.5 | cannot charge customers^1.5 | cant serve^1.5 | nao podemos cobrar^1.5 | bloquant^1.5 | blocking us^1.5 | staat stil^1.5 | ligt stil^1.5 | stilgelegd^1.5 | todos los dispositivos^1.5 | all the devices^1.5 | alle gerate^1.5 | todos os dispositivos^1.5 | tous les appareils^1.5 | tutti i dispositivi^1.5 | alle apparaten^1.5 | helemaal^1.5
-overheat+safety: overheat* | too hot | very hot | hot to the touch | gets hot | getting hot | sobrecalent* | calienta* | uberhitz* | heiss | superaquec* | esquent* | surchauff* | chauffe trop | chauffe beaucoup | chauffe enormement | chauffe anormalement | chauffe fort | chauffe de plus en plus | brulant* | surriscald* | molto caldo | scotta | bollente | oververhit* | heel heet | erg heet | gloeiend heet | wordt heet | brandend heet | escald* | a ferver | muito quente | quentissim* | bollente | gloeiend
-safety: danger* | hazard* | risk* | unsafe | peligro* | riesgo* | gefahr* | gefahrlich | risiko* | perigo* | risco* | perigos* | risque* | dangereu* | pericol* | rischi* | gevaar* | gevaarlijk | risico*
-smoke+safety: smok* | smoke | fire | burn* | spark* | melt* | explod* | shock* | humo | fuego | quema* | chispa* | rauch* | feuer | brennt | fumaca | fogo | queim* | fumee | feu | brul* | etincel* | fumo | fuoco | brucia* | bruciat* | scintill* | incendi* | fuma | rook | rookt | roken | brandlucht | verbrand* | vonk* | smelt* | gesmolten | schroeiplek | bruciato | funke* | funken | faisc* | ardiendo | esta ardiendo | hot plastic | burnt plastic | burning plastic | plastico caliente | plastico quemado | olor a plastico | huele a plastico | cheiro a plastico | cheiro de plastico | plastico queimado | heisses plastik | verschmortes plastik | riecht nach plastik | odeur de plastique | plastique chaud | plastique brule | odore di plastica | plastica bruciata | plastica calda | ruikt naar plastic | heet plastic | verbrand plastic
-security: hack* | compromis* | taken over | take over | someone else | somebody else | stranger* | unauthori* | breach* | stolen | phishing | fraud* | exposed | expose | privacy | spying | spy | security | secure | seguridad | hackead* | robad* | gehackt | sicherheit* | fremd* | betrug* | seguranca | invadid* | roubad* | pirate* | securite | usurp* | hackerat* | violat* | rubat* | sconosciut* | estrane* | sicurezza | truffa | gehacked | gehackt | overgenomen | gestolen | onbekende | vreemde | beveiliging | oplichting | fraude | inbraak
-reboot+malfunction+problem: reboot* | restart* | power cycl* | turn it off and on | startet neu | neu gestartet | neustart* | reinici* | redemarr* | relanc* | riavvi* | si riavvia | herstart* | startet ... neu | opnieuw opstart* | start opnieuw op | start steeds opnieuw
-crash+malfunction+problem: crash* | freez* | frozen | hangs | hung | absturz* | sturzt ab | sturzt ... ab | stuerzt ... ab | abgesturzt | hangt sich auf | hangt fest | haengt sich auf | bleibt hangen | blijft hangen | loopt vast | se cuelga | se bloquea | congela* | trava* | travou | plante | plantage | si blocca | bloccat* | si pianta | loopt vast | vastgelopen | bevriest
-charge: charged | charge | charges | charging me | chargeback | overcharg* | billed | bill | bills | billing | overcharg* | debit* | transaction* | taken from | took money | cobr* | cargo* | cargaron | abbuch* | abgebucht | belast* | debite* | prelev* | addebit* | prelievo | prelevat* | afgeschreven | afschrijving* | in rekening gebracht | gefactureerd | afgeboekt
-invoice: invoice* | receipt* | factur* | rechnung* | quittung | fatura* | recibo* | facture* | fattur* | ricevuta | factuur* | facturen | rekening | codice fiscale | partita iva | codigo fiscal | numero de contribuinte | vat number | tax number | tax id | steuernummer | ust id | numero de tva | btw nummer
-payment: payment* | paid | pay | paying | credit card | debit card | new card | card details | card expired | card has expired | expired card | nueva tarjeta | tarjeta caducada | tarjeta de debito | datos de la tarjeta | neue karte | neue kreditkarte | karte abgelaufen | abgelaufene karte | novo cartao | cartao expirado | cartao vencido | dados do cartao | nouvelle carte | carte expiree | carte a expire | nuova carta | carta scaduta | dati della carta | nieuwe kaart | kaart verlopen | verlopen kaart | bankkaart | betaalkaart | pinpas | kaartgegevens | betaalgegevens | card payment | paypal | pago* | pagar | pague | tarjeta de credito | zahlung* | bezahl* | kreditkarte | pagament* | cartao de credito | paiement* | payer | paye | carte bancaire | pagament* | pagare | pagato | carta di credito | betaling* | betalen | betaald | creditcard
-fee: fee | fees | price* | cost! | costs! | costing! | costly! | cuota | tarifa* | precio* | gebuhr* | kosten | preis* | taxa* | preco* | frais | tarif* | prix | costo! | costi! | prezzo | tariff* | canone | kosten | prijs | tarief | kostet | preiserhohung | price increase | price went up | subida de precio | aumento de precio | aumento de preco | augmentation de prix | aumento di prezzo | prijsverhoging | costs more | cuesta mas | custa mais | coute plus | costa di piu | kost meer | gastos de devolucion | gastos de envio | return fee | return shipping cost* | rucksendegebuhr* | rucksendekosten | taxa de devolucao | custos de devolucao | frais de retour | spese di reso | retourkosten
-subscription: subscri* | renew* | plan | suscrip* | abonn* | abo | assinatura* | mensalidade | abbonament* | abonnement*
-money+charge: money | dinero | geld | dinheiro | argent | soldi | denaro
-refund: refund* | money back | reimburs* | reembols* | devolucion del dinero | devuelvan | erstatt* | ruckerstatt* | geld zuruck | estorno | estorn* | rembours* | rimbors* | terugbetal* | geld terug | terugstort* | terug te krijgen | terugkrijgen | devolver el importe | devolver ese importe | devolvais el importe | devuelvan el importe | devolver el dinero | devolver o valor | rendre le montant
-duplicate: twice | double* | two times | 2 times | duplicat* | dos veces | doble | duplicad* | zweimal | doppelt* | duas vezes | em dobro | deux fois | en double | due volte | doppio | doppi | raddoppiat* | twee keer | tweemaal | dubbel*
-problem: problem* | issue* | trouble* | problema* | fehler* | probleme* | erreur* | difficult* | schwierigkeit* | dificultad* | difficolta | probleem | problemen | moeite
resolved: fixed it | that fixed | works now | working now | working again | works again | all good now | problem solved | issue solved | solved it | is solved | is resolved | been resolved | you can close | can be closed | please close | ya funciona | funciona ahora | solucionado | resuelto | pueden cerrar | funktioniert wieder | geht wieder | gelost | erledigt | konnen schliessen | funciona agora | resolvido | resolveu | podem fechar | ca marche | ca fonctionne | fonctionne a nouveau | resolu | c est regle | vous pouvez fermer | risolto | ora funziona | funziona di nuovo | potete chiudere | opgelost | werkt weer | werkt nu weer | mag gesloten worden
newtopic: another thing | one more thing | something else | another question | otra cosa | otra pregunta | otra consulta | noch etwas | noch eine frage | eine andere sache | was anderes | outra coisa | outra pergunta | outra questao | autre chose | une autre question | un autre souci | un altra cosa | un altra domanda | nog iets | nog een vraag | iets anders
duration: how long does | how long do | how long will | how long is | how long until | how long before | cuanto tarda | cuanto tiempo tarda | wie lange dauert | wie lange wird | quanto tempo demora | quanto tempo leva | combien de temps | quanto tempo ci vuole | quanto ci vuole | hoe lang duurt
notthat: gar nicht der | gar nicht die | gar nicht das | gar nicht den | gar nicht mein | gar nicht meine | not at all the | pas du tout le | pas du tout la | per niente il | per niente la | helemaal niet de | helemaal niet het
retract: scratch that | never mind | my actual problem | my real problem | my actual issue | my real issue | mi problema real | mi verdadero problema | mein eigentliches problem | mein eigentliches anliegen | meu problema real | meu verdadeiro problema | mon vrai probleme | mon veritable probleme | il mio vero problema | mijn echte probleem | mijn eigenlijke probleem | het eigenlijke probleem | nevermind | laat maar zitten | olvidalo | olvidenlo | no importa lo anterior | deixa pra la | deixa para la | laisse tomber | laissez tomber | lascia stare | vergiss es | schon gut | forget that | forget what i said | ignore what i said | ignore my last message | the real problem is | the actual problem is | the real issue is | the actual issue is | olvida lo anterior | olvide lo anterior | olvidad lo anterior | el verdadero problema es | el problema real es | vergessen sie das | vergiss das | das eigentliche problem | das wirkliche problem | esquece isso | esqueca isso | esquecam isso | o verdadeiro problema e | o problema real e | oubliez ca | oublie ca | oubliez ce que j ai dit | le vrai probleme | le veritable probleme | lascia perdere | lasciate perdere | lasci perdere | il vero problema | il problema vero | vergeet dat | vergeet wat ik zei | het echte probleem | het eigenlijke probleem
worse: got worse | gotten worse | getting worse | has become worse | is worse now | even worse | worse and worse | ha ido a peor | va a peor | ha empeorado | empeoro | esta peor | cada vez peor | schlimmer geworden | wird schlimmer | ist schlimmer | noch schlimmer | immer schlimmer | verschlechtert | piorou | esta pior | ficou pior | cada vez pior | c est pire | ca a empire | s est empire | s est aggrave | de pire en pire | e peggiorat* | si e aggravat* | sempre peggio | va peggio | erger geworden | wordt erger | nog erger | steeds erger | verslechterd
newphone: changed phones | changed my phone | new phone | switched phones | cambie de movil | cambie de telefono | cambiado de movil | cambiado de telefono | nuevo movil | handy gewechselt | neues handy | telefon gewechselt | troquei de celular | troquei de telemovel | troquei de telefone | celular novo | novo telemovel | change de telephone | nouveau telephone | cambiato telefono | cambiato cellulare | nuovo telefono | andere telefoon | nieuwe telefoon
cancel: cancel* | kundig* | gekundigt | storn* | annul* | resili* | disdett* | disdir* | opgezegd | opzeg* | geannuleerd | annuleer*
signin: sign in | aceder a conta | aceder a minha conta | nao tenho como entrar | nao consigo entrar | iniciar sessao | continuar com google | continue with google | sign in with google | iniciar sesion con google | signin | sign into | signing in | log in | login | logging in | log into | logon | get into | get in to | access my account | locked out | lock* out | account locked | account is locked | authenticat* | iniciar sesion | inicio de sesion | acceder | entrar | anmeld* | einlogg* | zugang | fazer login | acessar | connexion | se connecter | me connecter | identifi* | accedere | accesso | entrare nell account | inloggen | inlog* | aanmelden | toegang | deleted my account | account deleted | account was deleted | account is gone | borre mi cuenta | cuenta borrada | cuenta eliminada | konto geloscht | mein konto ist weg | apaguei a minha conta | conta apagada | conta excluida | supprime mon compte | compte supprime | cancellato il mio account | account cancellato | account eliminato | account verwijderd | mijn account is weg | conta bloqueada | conta ficou bloqueada | cuenta bloqueada | konto gesperrt | compte bloque | account bloccato | account geblokkeerd | tentativas de entrada | intentos de inicio | anmeldeversuche | tentatives de connexion | tentativi di accesso | inlogpogingen | login attempts | authentific* | autentica* | no existe ninguna cuenta | la cuenta no existe | no existe la cuenta | account does not exist | account doesnt exist | no account found | no account with | konto existiert nicht | kein konto gefunden | conta nao existe | nao existe nenhuma conta | le compte n existe pas | aucun compte | account non esiste | nessun account | account bestaat niet | geen account gevonden
password+signin: password* | palavra passe | palavras passe | passcode | passwort* | kennwort | contrasena* | clave | senha* | mot de passe | wachtwoord*
code+signin: sms never arriv* | code never arriv* | codes never arriv* | text never arriv* | email never arriv* | sms doesnt arrive | sms nunca llega | codigo nunca llega | sms kommt nie | code kommt nie | sms nao chega | codigo nunca chega | sms n arrive pas | code n arrive pas | verification code | two factor | 2fa | mfa | otp | one time code | sms code | digit code | codes^0.5 | code^0.5 | codigo* | verificacion | bestatigungscode | verifizierung* | codigo | verificacao | verification | codice | codici | verifica | verificatiecode | inlogcode | sms komt niet | codice non arriva | correo de confirmacion | correo de verificacion | email de confirmacao | e mail de confirmation | bestatigungsmail | bestatigungs mail | e mail di conferma | email di conferma | bevestigingsmail | confirmation email | verification email | code ... komt nooit aan | code komt niet aan | codigo no llega | codigo nao chega | code kommt nicht | codice non arriva | code n arrive pas | code ... never arrives | inlogcode* | code ... doesnt arrive | code ... not arriv* | sms ... doesnt arrive | sms ... not arriv* | sms ... never arriv* | i dont get the code | dont receive the code | codigo ... no llega | sms ... no llega | no me llega el codigo | no me llega el sms | no me llegan los codigos | code ... kommt nicht an | sms ... kommt nicht an | code ... kommt nie an | bekomme keinen code | codigo ... nao chega | sms ... nao chega | nao recebo o codigo | nao me chega o codigo | code ... n arrive pas | sms ... n arrive pas | ne recois pas le code | ne recois pas de code | codice ... non arriva | sms ... non arriva | non mi arriva il codice | non ricevo il codice | code ... komt niet aan | sms ... komt niet aan | krijg de code niet | krijg geen code | double authentification | authentification a deux facteurs | doble autenticacion | autenticacion de dos factores | autenticacion en dos pasos | verificacion en dos pasos | zwei faktor* | zweifaktor* | 2 faktor* | autenticacao de dois fatores | dupla autenticacao | autenticacao em dois passos | verificacao em duas etapas | autenticazione a due fattori | doppia autenticazione | verifica in due passaggi | tweestapsverificatie | twee factor* | tweefactor* | correo para restablecer | correo de restablecimiento | enlace para restablecer | email de recuperacao | email de redefinicao | mail de reinitialisation | e mail zum zurucksetzen | mail zum zurucksetzen | mail per reimpostare | email di recupero | reset mail | reset email | password reset email | herstelmail | resetmail
account: account* | profile | cuenta | konto | benutzerkonto | conta | compte | profilo | profiel
reset: reset* | restablec* | zurucksetz* | redefin* | reinitialis* | reimpost* | ripristin* | herstel*
order: order* | ordered | purchas* | bought | buy | pedido* | compra* | compre | bestell* | gekauft | kauf* | encomend* | comprei | commande* | achete* | achat* | ordin* | acquist* | comprato | comprata | besteld | bestelling* | bestelnummer | gekocht | aankoop
delivery: deliver* | shipping | shipment* | shipped | ship | track* | parcel* | package* | courier* | carrier* | transit | dispatch* | postal | envio* | enviad* | paquete* | entrega | entregas | entregado | entregada | entregaron | entregou | entregaram | seguimiento | transportista | lieferung* | geliefert | liefer* | zugestellt | zustell* | paket* | sendung* | versand* | versendet | kurier | entregue | pacote* | encomenda* | rastreio | rastreamento | transportadora | livraison* | livre | colis | suivi | transporteur | expedi* | consegn* | spedizion* | spedit* | pacco | pacchi | corriere | tracciamento | levering | geleverd | bezorg* | verzend* | verzonden | pakket* | vervoerder | track en trace | track trace | sorteercentrum | koerier | postbode
-lost+delivery: not received | never received | havent received | hasnt arrived | not arrived | never arrived | didnt arrive | hasnt come | nothing came | never came | never showed up | not delivered | never delivered | no ha llegado | no llego | nunca llego | nicht angekommen | nicht erhalten | nie angekommen | nicht geliefert | nao chegou | nunca chegou | nao recebi | pas recu | jamais recu | pas arrive | pas livre | non e arrivato | mai arrivato | mai arrivata | non e mai arrivato | non ho ricevuto | mai ricevuto | non consegnato | niet aangekomen | nooit aangekomen | niet ontvangen | nooit ontvangen | niet bezorgd | nooit bezorgd | nooit geleverd | rien recu | devolvida ao remetente | devolvido ao remetente | devuelto al remitente | devuelta al remitente | returned to sender | return to sender | retour a l expediteur | retourne a l expediteur | an den absender zuruck | zuruck an den absender | restituito al mittente | rispedito al mittente | retour afzender | terug naar afzender | teruggestuurd naar de afzender | says delivered but | shows delivered but | shows as delivered | marked as delivered | marked delivered | dice entregado | dice que fue entregado | marcado como entregado | aparece como entregado | figura como entregado | als zugestellt markiert | zeigt zugestellt | steht zugestellt | angeblich zugestellt | diz entregue | consta como entregue | aparece como entregue | marcado como entregue | indique livre | marque comme livre | marque livre | soi disant livre | risulta consegnato | segna consegnato | indicato come consegnato | staat als bezorgd | staat op bezorgd | zou bezorgd zijn
-lost: lost | missing | went missing | disappeared | perdid* | extravi* | verloren | verschwunden | perdu* | sumiu | desaparec* | perso | persa | smarrit* | sparit* | kwijt | zoekgeraakt
-late: late | in bearbeitung | noch nicht versendet | noch nicht verschickt | noch nicht versandt | not shipped yet | hasnt shipped | still processing | aun no ha sido enviado | todavia no se ha enviado | aun no se ha enviado | ainda nao foi enviado | ainda nao foi enviada | pas encore expedie | pas encore expediee | non ancora spedito | non ancora spedita | nog niet verzonden | nog niet verstuurd | delay* | still waiting | waiting for | hasnt changed | not moved | hasnt moved | no update | overdue | stuck in | retras* | llega tarde | llego tarde | demora* | verspat* | verzog* | wart* | atras* | retard* | en retard | attends | attendons | attendre | attente | attendu | attendue | in ritardo | ritard* | ancora in attesa | vertraag* | te laat | al dagen | wacht al | wachten al | steht seit | bewegt sich nichts | se mueve | nao se mexe | ne bouge plus | non si muove | niet veranderd | en preparacion | sigue en preparacion | em preparacao | em processamento | en cours de preparation | en preparation | in preparazione | in lavorazione | in behandeling | wordt voorbereid | still being prepared
address: address* | direccion* | adresse* | endereco*
-damaged: damag* | aplastad* | rajad* | abollad* | agrietad* | llego rot* | vino rot* | llego rajad* | fendu* | eventre* | dechire* | carton abime | emballage abime | dented | crush* | smashed | cracked | shattered | arrived broken | danad* | beschadig* | kaputt angekommen | danific* | amassad* | abime* | endommag* | danneggiat* | ammaccat* | schiacciat* | crepat* | beschadigd | gedeukt | geplet | ingedeukt | gebarsten | rattles | loose inside
return: return* | send ... back | sent ... back | sending ... back | ship ... back | take ... back | give ... back | bring ... back | devolv* | devolucion* | devolu* | zuruckschick* | zurucksend* | zuruckgeb* | rucksend* | retoure* | widerruf* | retour* | retourn* | renvoy* | renvoi* | restitui* | reso | rendere | rimandare | rispedire | terugsturen | terug sturen | terugbrengen | terugzenden | retourner | retourneren | ancora imballat*^0.5 | still in the box^0.5 | still boxed^0.5 | unopened^0.5 | sin abrir^0.5 | sin estrenar^0.5 | originalverpackt^0.5 | ungeoffnet^0.5 | nog in de doos^0.5 | ongeopend^0.5 | ainda na caixa^0.5 | por abrir^0.5 | jamais ouvert^0.5 | encore emballe*^0.5 | mai aperto^0.5 | bought the wrong | ordered the wrong | comprato per sbaglio | compre el equivocado | falsch bestellt | falsche bestellt | comprei o errado | commande par erreur | verkeerde besteld | still sealed | sealed | precintado | versiegelt | lacrad* | scelle | sigillat* | verzegeld | rispedit* | refund for the return | refund of the return | rimborso del reso | reembolso de la devolucion | erstattung der rucksendung | reembolso da devolucao | remboursement du retour | remboursee pour ce retour | terugbetaling van de retour | envio de volta | enviar de volta | mandar de volta | devolver | renvoi | rispedire | rispedirl* | terugsturen | retourneren | retour sturen
exchange: exchange* | swap* | trade in | cambiar*^0.5 | cambio^0.5 | cambiarlo por | cambiarla por | cambiar por otro | cambiar por otra | intercambi* | umtausch* | tausch* | trocar^0.5 | troca*^0.5 | trocar por | trocar pelo | trocar pela | trocar pelos | trocalo | trocala | cambiarlo | cambiarla | cambiarlos | cambiarlas | echang* | cambiare^0.5 | cambiarlo con | cambiarla con | scambi* | ruilen | omruilen | ruil | trocar pela | trocar pelo | trocar pelas | trocar pelos | cambiar por la | cambiar por el | echanger contre | scambiare con | ruilen voor | omruilen
replace: replace* | replacement | reemplaz* | sustitu* | ersatz | ersetz* | substitu* | remplac* | sostitu* | vervang*
howto+question: how do i | wie bringe ich | wie verbinde ich | wie fuge ich | wie bekomme ich | wie kriege ich | nao acho onde | nao encontro onde | nao sei qual | no encuentro donde | no se cual | je ne trouve pas ou | trouve pas ou | non trovo dove | non so quale | weiss nicht welche | kann nicht finden wo | ik weet niet welke | kan niet vinden waar | cant find where | dont know which | dont understand how | do not understand how | cant figure out how | cannot figure out how | not sure how | dont know how | como usar | como se usa | como utilizar | no entiendo como | no entendi como | no se como | nao entendi como | nao entendo como | nao sei como | comment utiliser | je ne comprends pas comment | comprends pas comment | je ne sais pas comment | sais pas comment | come usare | come si usa | non capisco come | non ho capito come | non so come | wie benutze ich | wie verwende ich | verstehe nicht wie | weiss nicht wie | hoe gebruik ik | snap niet hoe | begrijp niet hoe | weet niet hoe | how can i | how to | how does | how should i | how would i | is it possible | is there a way | where can i | where do i | can i | can you tell me how | como puedo | como se | como hago | como configur* | wie kann ich | wie richte | wie stelle | wie funktioniert | wie geht | como posso | como faco | como fazer | comment faire | comment puis je | comment je | comment est ce que | comment peut on | comment on | como se puede | como consigo | wie mache ich | como eu | est il possible | es posible | ist es moglich | e possivel | come faccio | come posso | come si fa | e possibile | come configur* | come collego | hoe kan ik | hoe moet ik | hoe doe ik | hoe stel ik | hoe werkt | hoe koppel ik | is het mogelijk | como eu faco | como faco | como cambio | como cambiar | como puedo cambiar | como mudo | como mudar | como altero | comment changer | comment modifier | wie andere ich | wie kann ich ... andern | come cambio | come cambiare | come posso cambiare | hoe verander ik | hoe wijzig ik | how do i change | how can i change | how to change | come si | vorrei sapere | quisiera saber | quiero saber | je voudrais savoir | ich mochte wissen | gostaria de saber | queria saber | ik wil weten | ik wil graag weten | i would like to know | id like to know | want to know | comment lui | comment leur | comment donner | comment ajouter | comment partager | comment activer | comment configurer | comment installer | comment connecter | comment regler | hoe voeg ik | hoe zet ik | hoe maak ik | hoe activeer ik | hoe verbind ik | hoe deel ik | hoe geef ik | hoe installeer ik | se puede | se pode | kann man | peut on | si puo | kan je | kan men | no encuentro donde | no encuentro como | cant find where | cant find how | nao encontro onde | nao encontro como | je ne trouve pas ou | je ne trouve pas comment | non trovo dove | non trovo come | finde nicht wo | finde nicht wie | kan niet vinden waar | kan niet vinden hoe | como lo | como la | como los | como las | como le | como me | comment le | comment la | come lo | come la
howto: nao consigo perceber como | nao percebo como | nao consigo entender como | no consigo entender como | no logro entender como | cant work out how | cannot work out how | je ne sais pas comment | ne sais pas comment | je n arrive pas a comprendre comment | non riesco a capire come | ik kom er niet achter hoe | komme nicht dahinter wie | instruction* | tutorial* | user guide | user manual | explain* | walk me through | anleitung* | bedienungsanleitung | instrucc* | instruc* | explica* | erklar* | mode d emploi | notice | istruzion* | spiega* | guida | handleiding | uitleg | instructie*
-question: question | questions | wonder* | curious | pregunta | preguntas | preguntita | una duda | dudas | duda | frage* | pergunta | perguntas | perguntinha | duvida* | quick question | domanda | dubbio | vraag | vraagje
setup: set up | wifi password | wi fi password | network password | router password | senha do wifi | senha da rede | palavra passe do wifi | palavra passe da rede | contrasena del wifi | contrasena de la red | clave del wifi | clave de la red | wlan passwort | wlan kennwort | wifi passwort | mot de passe wifi | mot de passe du wifi | mot de passe du reseau | password del wifi | password della rete | password wifi | wifi wachtwoord | wachtwoord van de wifi | wachtwoord van het netwerk | setup | setting up | install | installing | installation | configur* | settings! | pair | pairing | schedule* | einricht* | einstell* | konfigur* | installier* | instalar | instalacion | instalacao | ajust* | configuracion | parametr* | reglage* | config* | installer | instal* | impostazion* | impostare | collegar* | collegarla | collegarlo | abbinare | associare | programm* | instellen | instelling* | installeren | koppel* | configureren | schema | rotina | rutina | routine* | zugang ... geben | give access | give her access | give him access | grant access | dar acceso | dar acesso | donner acces | donner l acces | dare accesso | toegang geven | valores de fabrica | factory settings | factory reset | werkseinstellung* | definicoes de fabrica | valores de fabrica | parametres d usine | reglages d usine | impostazioni di fabbrica | fabrieksinstelling* | senha do wi fi | palavra passe do wi fi | palavra passe da wi fi | contrasena del wi fi | clave del wi fi | wi fi passwort | passwort des wi fi | mot de passe wi fi | mot de passe du wi fi | password del wi fi | password wi fi | wi fi wachtwoord | wachtwoord van de wi fi
fine: is fine | are fine | still going strong | going strong | works like a charm | worked like a charm | is ok | is okay | are ok | flawless | been flawless | no complaints | works perfectly | work perfectly | working perfectly | funciona perfectamente | funcionan perfectamente | funciona perfeitamente | funcionam perfeitamente | fonctionne parfaitement | fonctionnent parfaitement | funziona perfettamente | funzionano perfettamente | werkt perfect | werken perfect | funktioniert einwandfrei | funktionieren einwandfrei | einwandfrei
use: usage | usar | uso | benutzung | verwendung | utilisation | utilizacao | utilizzo | usare | gebruik*
works: works | working | work fine | working fine | works well | work well | runs fine | funciona bien | funciona bem | fonctionne bien | funktioniert gut | funciona | funcionan | funktioniert | funktionieren | fonctionne | marche | funziona | funziona bene | va bene | werkt | werkt goed | doet het | funcionar | funcionando | funcionam | funzionare | funktionieren | lauft | laeuft
feature: feature* | add this feature | add this option | ajouter cette fonction | ajouter cette option | ajouter la fonction | anadir esta funcion | anadir esta opcion | diese funktion hinzufugen | adicionar esta funcao | adicionar esta opcao | aggiungere questa funzione | pensate di aggiungere | pensez ajouter | deze functie toevoegen | jullie ... toevoegen | why is there no | why isnt there | why cant^0.5 | por que no hay | por que no se puede^0.5 | warum gibt es kein* | warum kann man nicht^0.5 | por que nao ha | por que nao tem | pourquoi il n y a pas | pourquoi on ne peut pas^0.5 | perche non c e | perche non si puo^0.5 | waarom is er geen | waarom kan ... niet^0.5 | should be possible | should be able to | should be there | basic feature | deberia ser posible | deberia poder | sollte moglich sein | sollte ... konnen | deveria ser possivel | devia ser possivel | devrait etre possible | devrait pouvoir | dovrebbe essere possibile | dovrebbe poter | zou mogelijk moeten zijn | zou moeten kunnen | is this planned | is that planned | any plans to | on the roadmap | ist so etwas geplant | ist das geplant | ist sowas geplant | esta previsto | esta planeado | hay planes | est ce prevu | c est prevu | est il prevu | e previsto | e in programma | is dat gepland | staat dat gepland | esta planejado | ha planos | any chance of adding | any chance you could add | chance of adding | adding support | future firmware | future version | next version | in a future release | en alguna actualizacion | en una futura version | en una proxima version | in einem zukunftigen update | in einer kunftigen version | numa proxima versao | numa futura versao | em uma proxima versao | dans une prochaine version | dans une future version | in una prossima versione | in un futuro aggiornamento | in een volgende versie | in een toekomstige versie | ce serait top | ce serait bien | ce serait genial | ce serait super | ce serait pratique | ca serait top | ca serait bien | ca serait genial | il faudrait ajouter | une idee | plutot une idee | idee | idees | kan er een optie komen | zou mooi zijn | zou fijn zijn | zou handig zijn | zou het kunnen | graag zien | sarebbe bello | sarebbe utile | sarebbe fantastico | sarebbe comodo | un idea | seria bueno | seria util | seria estupendo | estaria bien | seria bom | seria util | seria legal | seria otimo | waere toll | ware praktisch | ware super | ware gut | it would be nice | it would be great | would be handy | would be useful | add a way | add an option | add the option | add a setting | anadir una opcion | agregar una opcion | option hinzufugen | adicionar uma opcao | ajouter une option | aggiungere un opzione | aggiungere una opzione | optie toevoegen | would be nice | would be great | would love | possible to add | possible d ajouter | possible de ajouter | posible anadir | posible agregar | possivel adicionar | possibile aggiungere | mogelijk om ... toe te voegen | moglich ... hinzuzufugen | in a future update | in the next update | future update | prochaine mise a jour | future mise a jour | proxima actualizacion | futura actualizacion | nachsten update | kunftigen update | proxima atualizacao | futura atualizacao | prossimo aggiornamento | futuro aggiornamento | volgende update | toekomstige update | id love | i d love | love it if | pass it on | pass this on | pass that on | put in a request | wish* | add support | support for | please add | could you add | can you add | poderiam adicionar | podem adicionar | podiam adicionar | podrian anadir | podrian agregar | pueden anadir | pueden agregar | pourriez vous ajouter | pouvez vous ajouter | konnten sie ... hinzufugen | konnen sie ... hinzufugen | roadmap | idea* | improve* | enhancement* | me gustaria^0.5 | seria genial | funcion | funciones | funcionalidad* | wunsch* | ware schon | ware toll | gostaria^0.5 | seria otimo | fonctionnalite* | souhait* | serait bien | funzionalita | sarebbe bello | sarebbe utile | sarebbe comodo | potreste aggiungere | zou fijn zijn | zou mooi zijn | zou handig zijn | wens | nieuwe functie | tienen pensado | teneis pensado | han pensado | planen sie | avez vous prevu | pensate di | zijn jullie van plan | ce serait | serait tres utile | seria util | seria muy util | seria muito util | would be useful | would be handy | in a future update | in the next update | in einem der nachsten updates | in einem update | en una proxima actualizacion | numa proxima atualizacao | em uma proxima atualizacao | dans une prochaine mise a jour | in un prossimo aggiornamento | in een volgende update | funktion | funktionen | ist geplant | ist es geplant | nachzurusten | nachrusten | is it planned | are there plans | any plans to | esta previsto | hay planes | esta planeado | e previsto | e in programma | est ce prevu | est il prevu | c est prevu | ha planos | esta nos planos | is het gepland | staat het op de planning | vous avez prevu | prevoyez vous | hebben jullie plannen | tienen previsto | teneis previsto | have you planned | do you plan | era otimo | era bom ter | seria bom | era fixe | it d be great | itd be great | estaria genial | estaria muy bien | seria util | si lo tuviera | si lo tuvieran | se tivesse | s il avait | se avesse | als het dat had | anadir soporte | agregar soporte | podeis anadir | podriais anadir | podrian anadir | pueden anadir | podeis agregar | podrian agregar | adicionar suporte | podem adicionar | poderiam adicionar | ajouter la prise en charge | unterstutzung fur | konnt ihr ... hinzufugen | konnten sie ... hinzufugen | aggiungere il supporto | potreste aggiungere | ondersteuning voor | kunnen jullie ... toevoegen | any chance you add | you add it | you guys add | would you add | will you add | you could add it | sarebbe perfetto | sarebbe fantastico | sarebbe comodo | seria perfecto | ware perfekt | waere perfekt | seria perfeito | serait parfait | zou perfect zijn | would be perfect | feature request | potete pensare a | potreste pensare a | podeis pensar en | podrian pensar en | poderiam pensar em | pourriez vous penser a | could you consider | please consider adding | konntet ihr ... einbauen | konnten sie ... einbauen | kunnen jullie ... inbouwen | vous pourriez l ajouter | pourriez vous l ajouter | vous pouvez l ajouter | pouvez vous l ajouter | podriais anadirlo | podrian anadirlo | podeis anadirlo | potreste aggiungerlo | potete aggiungerlo | konnt ihr das einbauen | konnten sie das einbauen | kunnen jullie dat toevoegen | could you add it | can you add it | acrescentem | acrescentar essa | acrescentar uma | acrescentar esta | anadan esa | anadan una | ajoutiez | ajoutez cette | aggiungiate | fugt ... hinzu | toevoegen aan
feature+suggestion: une suggestion | suggestie* | un suggerimento | suggeriment* | as a suggestion | suggest* | sugerencia* | vorschlag* | sugest* | come richiesta | como solicitud | como sugestao | als anfrage | comme demande | als verzoek | sugerir | sugiero | sugiro | gostaria de sugerir | quisiera sugerir | suggerire | suggerisco | vorrei suggerire | suggerer | je suggere | je voudrais suggerer | vorschlagen | ich schlage vor | mochte vorschlagen | voorstellen | ik stel voor | wil ik voorstellen | i would like to suggest | id like to suggest | i suggest
filler: hang! +on | hold! +on | hang! +tight
obligation: no +tiene +que | no +tienes +que | no +teneis +que | no +tienen +que | no +hace +falta | dont +have +to | doesnt +have +to | do +not +have +to | does +not +have +to | dont +need +to | nao +tem +que | nao +tem +de | nao +tens +de | nao +tens +que | nao +precisa | n +a +pas +a | n +avez +pas +a | n +as +pas +a | non +deve | non +devi | non +dovete | hoeft +niet | hoeven +niet | muss +nicht | mussen +nicht | musst +nicht
lacks: er is geen^0.5 | er zijn geen^0.5 | es gibt keine^0.5 | non c e^0.5 | does not exist | aucun moyen de | il n y a aucun moyen | pas moyen de | keine moglichkeit | nao ha como | geen mogelijkheid | non c e la possibilita | is er nog niet | er nog niet in | non c e modo | non c e un modo | non ce modo | zit er niet in | zit er nu niet in | zit niet in | gibt es nicht | doesnt exist | can only be | can only | solo se puede | solo se pueden | solo puedo | solo permite | so se pode | so da para | so e possivel | on ne peut que | ne peut que | si puo solo | si possono solo | puo solo | kan alleen | kann nur | lasst sich nur | laesst sich nur | only lets | only allows | solo permite | solo deja | erlaubt nur | laesst nur | lasst nur | so permite | apenas permite | ne permet que | permet seulement | consente solo | permette solo | laat alleen | staat alleen toe | there is no option | n existe aucun* | aucune option | no existe ninguna | es gibt keine option | nao existe nenhuma | non esiste nessuna | er is geen optie | nao existe | no existe | n existe pas | existiert nicht | gibt es nicht | does not have^0.5 | doesnt have^0.5 | dont have^0.5 | no option | not possible | no way to | there is no^0.5 | is missing^0.5 | lacks | lacking | no tiene^0.5 | no hay^0.5 | hat kein*^0.5 | gibt es kein*^0.5 | nao tem^0.5 | nao ha^0.5 | n a pas^0.5 | il n y a pas^0.5 | echo de menos | me falta | falta una opcion | no hay opcion | il manque | il me manque | manca^0.5 | mi manca | non esiste | ik mis | bestaat niet | heeft geen^0.5 | ontbreekt | fehlt | es fehlt | sinto falta | falta uma opcao | nao ha opcao | no existe esa opcion | kann bisher kein* | kann noch kein* | kann noch nicht | bisher nicht moglich | cant yet | cannot yet | doesnt support | does not support | no soporta | no es compatible | nao suporta | ne prend pas en charge | non supporta | ondersteunt geen | ondersteunt nog geen | unterstutzt kein* | unterstutzt noch kein* | bestaan niet | bestaat nog niet | no existen | n existent pas | existieren nicht | nao existem | non esistono | the only option is | the only way is | la unica opcion es | la unica forma es | no se pueden tener | no se puede tener | die einzige moglichkeit ist | a unica opcao e | a unica forma e | la seule option est | la seule solution est | l unica opzione e | l unico modo e | de enige optie is | de enige manier is | not supported | isnt supported | niet ondersteund | wordt niet ondersteund | nicht unterstutzt | wird nicht unterstutzt | no esta soportado | no es compatible con esa | nao e suportado | nao suportado | n est pas pris en charge | pas pris en charge | non e supportato | non supportato | non ha^0.5 | ne propose pas | ne propose ni | ne propose pour l instant | no ofrece | nao oferece | bietet kein* | non offre | biedt geen | doesnt offer | does not offer | enquanto nao existir | mientras no exista | tant qu il n existe pas | solange es das nicht gibt | finche non esiste | zolang het niet bestaat
-degraded+malfunction+problem: takes ages | takes forever | takes too long | takes a long time | used to be | used to work | tarda mucho | antes funcionaba | dauert ewig | dauert lange | fruher ging | demora muito | antes funcionava | met du temps | prend du temps | avant ca marchait | intermittent* | on and off | off and on | slow* | lag | lags | lagging | laggy | weak signal | poor* | reduced | partial* | lento | intermitente | langsam | zeitweise | lent | lento | rame | ca rame | lenta | lentissim* | intermittent* | traag | langzaam | hapert | met ... secondes | takes ... seconds | tarda ... segundos | dauert ... sekunden | demora ... segundos | ci mette ... secondi | duurt ... seconden | avant c etait | antes era | fruher war | prima era | vroeger was | minutos de atraso | minutos de retraso | minutes late | minutes behind | minuten zu spat | minuten verspatung | minuten verzogerung | minutes de retard | minuti di ritardo | minuten te laat | minuten vertraging | seconds late | segundos de atraso | segundos de retraso
-degraded: degrad* | sometimes | occasional* | every few | every hour* | every minute* | every night | every evening | every day | every morning | most nights | each night | from time to time | now and then | again and again | a veces | de vez en cuando | cada hora* | cada noche | manchmal | ab und zu | immer wieder | alle minuten | alle stunden | jede nacht | as vezes | de vez em quando | toda noite | parfois | de temps en temps | chaque nuit | toutes les | a volte | ogni tanto | di tanto in tanto | ogni sera | ogni notte | ogni giorno | qualche volta | ogni ora | soms | af en toe | zo nu en dan | elke avond | elke nacht | elke dag | regelmatig | ieder uur | elk uur | volte al giorno | keer per dag | fois par jour | veces al dia | vezes por dia | mal am tag | times a day | twice a day | two times a day | dos veces al dia | duas vezes por dia | duas vezes ao dia | zweimal am tag | deux fois par jour | due volte al giorno | twee keer per dag
-workaround+malfunction: to compensate | para compensar | um das auszugleichen | pour compenser
-workaround: kommt ... wieder | se recupera | volta ... sozinh* | revient tout seul | workaround* | work around | comes back after | come back after | came back after | comes back by itself | comes back on its own | came back on its own | connection comes back | wifi comes back | brings it back | back by itself | back on its own | still work* | otherwise fine | fine otherwise | for now | temporar* | fine^0.3 | ok^0.3 | ok for now | works fine | records fine | no problem otherwise | without problems | without any problem | sin problemas | sin problema | ohne probleme | ohne problem | sem problemas | sem problema | sans probleme* | sans souci | solucion temporal | vuelve | workaround | geht wieder | funktioniert wieder | sonst funktioniert | volta | contournement | revient | per ora | per il momento | soluzione temporanea | torna da sol* | poi torna | ritorna | altrimenti funziona | per il resto funziona | voorlopig | tijdelijk | voor nu | komt vanzelf terug | komt weer terug | verder werkt | werkt verder prima | para ya | por ahora | de momento | por enquanto | pour l instant | pour le moment | vorerst | erstmal | fur den moment | with a cable | with an ethernet cable | with a network cable | met een kabel | met een netwerkkabel | mit einem kabel | per lan kabel | con un cable | com um cabo | avec un cable | con un cavo | pair them again | a la main | manually | manual mode | by hand | en manual | manualmente | von hand | manuell | a mano | handmatig | mode manuel | modo manual | modalita manuale | the others work | the other ports work | others work fine | moved it to another | los demas funcionan | los otros funcionan | die anderen funktionieren | os outros funcionam | les autres fonctionnent | gli altri funzionano | de andere werken | mi arrangio | me las arreglo | ich behelfe mich | je me debrouille | eu desenrasco | ik red me | por cable | por cabo | par cable | via cavo | via kabel | per kabel | over the cable | by cable | funciona bien | funktioniert gut | funciona bem | fonctionne bien | funziona bene | werkt goed | works well
-urgent: urgent* | asap | as soon as possible | emergency | immediately | right away | critical | dringend* | sofort | notfall | urgente | cuanto antes | lo antes posible | emergencia | o mais rapido | imediatamente | urgence | au plus vite | immediatement | urgente | subito | al piu presto | emergenza | dringend | spoed | zo snel mogelijk | meteen | noodgeval
business: cafe | cafes | coffee shop | bakery | salon | clinic | hotel | pub | pharmacy | cafeteria | panaderia | backerei | padaria | boulangerie | farmacia | apotheke | pharmacie | praxis | business* | company | companies | office | shop | store | restaurant | our customers | my customers | employees | staff | my clients | our clients | empresa* | negocio* | oficina | tienda | firma | geschaft* | buro | laden | kunden | mitarbeiter | loja | escritorio | clientes | entreprise* | bureau | boutique | magasin | salaries | negozio | ufficio | azienda | ristorante | panetteria | clienti | dipendenti | winkel | kantoor | bedrijf | zaak | bakkerij | klanten | personeel | praktijk | peluqueria | kapsalon | parrucchiere | cabeleireiro | salon de coiffure | friseur | datafono | terminal de paiement | terminal de pago | pos terminal | payment terminal | card terminal | kartenterminal | pinautomaat | maquininha | cabinet | patients | pacientes | patienten | pazienti | whole team | the team | toute l equipe | todo el equipo | das ganze team | toda a equipe | toda a equipa | tutto il team | tutta la squadra | het hele team | colleghi | colleghe | coworkers | colleagues | kollegen | companeros | colegas | our office | notre bureau | nuestra oficina | unser buro | nosso escritorio | il nostro ufficio | ons kantoor | architecture office | hostal | hostel | pension | guesthouse | guest house | pousada | albergue | herberg | pensione | gasthaus | gastehaus | huespedes | hospedes
noimpact: no impact | not a bug | no bug | no es un error | no es un fallo | kein fehler | kein bug | nao e um bug | nao e um erro | c est pas un bug | ce n est pas un bug | pas un bug | non e un bug | non e un errore | geen bug | geen fout | geen klacht | no complaint | not a complaint | isnt a complaint | keine beschwerde | no es una queja | sin queja | nao e reclamacao | nao e uma reclamacao | pas une plainte | pas une reclamation | non e un reclamo | non e una lamentela | without impact | nothing is broken | nothing broken | just curious | just wondering | no big deal | not a big deal | nao e urgente nada | rien de grave | nothing serious | niets ernstigs | niente di grave | nada grave | nichts schlimmes | only a small thing | just a small thing | nur eine kleinigkeit | una cosita | een kleinigheid | une petite chose | una piccola cosa | just annoying | only annoying | just a bit annoying | merely cosmetic | purely cosmetic | only cosmetic | solo molesto | es solo molesto | solo es molesto | nur lastig | nur nervig | einfach nur nervig | rein kosmetisch | apenas irritante | so irritante | e so chato | juste agacant | juste genant | c est juste agacant | purement esthetique | solo fastidioso | e solo fastidioso | solo estetico | alleen irritant | alleen vervelend | gewoon vervelend | puur cosmetisch
noimpact+workaround: not urgent | no rush | when you have time | no hurry | nothing urgent | sin prisa | no es urgente | keine eile | nicht dringend | sem pressa | nao e urgente | pas urgent | rien d urgent | pas presse | niente di urgente | non e urgente | nessuna fretta | con calma | niet dringend | geen haast | niet urgent | geen spoed | kein notfall | no es una emergencia | nada urgente | pas une urgence | not an emergency | no emergency
request: request* | solicit* | could you | can you | would you | please send | id like | i would like | podria | podrian | puede | konnten sie | konnen sie | poderia | pode | pourriez vous | pouvez vous | potreste | potete | vorrei | kunt u | kunnen jullie | zou u | podeis | podriais | me podeis
camera: camera* | cam | cams | camara* | kamera* | camera | webcam | telecamer* | videocamer*
outdoor: outdoor* | outside | exterior* | aussen* | draussen | externa | exterieur* | esterno | esterna | esterni | da esterno | buiten*
indoor: indoor* | inside | interior* | innen* | interna | interieur* | interno | interni | binnen*
router: router* | wifi router | enrutador | routeur
plug: plug | plugs | smart plug | smartplug | enchufe* | steckdose* | zwischenstecker | stecker | tomada* | prise connectee | prise intelligente | presa smart | presa intelligente | stekker* | stopcontact
thermostat: thermostat* | termostat* | thermostaat*
app: app | apps | application | aplicacion | aplicativo | anwendung
`

// maxWideGap is how many words "..." lets stand in a phrase: enough for
// a German separable verb ("stürzt seit dem letzten Update beim Öffnen
// sofort ab"), never across a clause boundary.
const maxWideGap = 7

type lexWord struct {
	w      string // folded word, or the prefix for a prefix word
	stem   string
	prefix bool
	// wide lets up to seven words stand before this one ("send the old
	// router back"), written "..." in the lexicon.
	wide bool
	// exact words, written with a trailing '!', match only as written,
	// not by stem ("charging!" is not "charged").
	exact bool
	// next words, written with a leading '+', follow the word before
	// them directly.
	next bool
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
	// deniable are the concepts a negation denies ("not urgent"), as
	// opposed to those it leaves standing ("can't log in" is still about
	// signing in).
	deniable map[string]bool
}

// selfAssessed are concepts that are the customer's own verdict rather
// than a fact of the situation: "URGENT!!!" says how the customer feels,
// not what is at stake, so alone it never decides an option (see
// selfAssessedWeight); what the customer says about impact does.
var selfAssessed = map[string]bool{"#urgent": true}

// selfAssessedWeight scales the evidence of a self-assessed concept.
const selfAssessedWeight = 0.25

// negFlip maps a concept found negated to the concept it then means.
var negFlip = map[string]string{"#works": "#malfunction"}

var defaultLexicon = sync.OnceValue(func() *lexicon { return parseLexicon(lexiconText) })

func parseLexicon(text string) *lexicon {
	lx := &lexicon{exact: map[string][]*lexEntry{}, prefix: map[string][]*lexEntry{}, deniable: map[string]bool{}}
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
			if d || strings.HasPrefix(head, "-") {
				lx.deniable["#"+c] = true
			}
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
				next := strings.HasPrefix(w, "+")
				w = strings.TrimPrefix(w, "+")
				p := strings.HasSuffix(w, "*")
				w = strings.TrimSuffix(w, "*")
				if p && len(w) < 3 {
					p = false
				}
				e.words = append(e.words, lexWord{w: w, stem: stem(w), prefix: p, wide: wide, exact: exact, next: next})
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
					for g := 0; g <= maxWideGap && j+g < len(toks); g++ {
						if g > 0 && toks[j+g].brk {
							break
						}
						// A negator ends the gap, unless the phrase asks
						// for it ("code ... not arrive").
						if e.words[k].match(&toks[j+g]) {
							j += g + 1
							found = true
							break
						}
						if toks[j+g].is(fNeg) {
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
				case e.words[k].next:
					ok = false
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
			if ok && (j > bestEnd || j == bestEnd && best != nil && (len(e.words) > len(best.words) ||
				len(e.words) == len(best.words) && e.weight > best.weight)) {
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
	// implied is set for the concepts a phrase implies after its first
	// ("never arrived" is lost, and implies a delivery).
	implied bool
}

// terms reads toks through the lexicon: concepts for the phrases it
// knows, stems of the other content words. Negated concepts that are
// dropped when negated are left out, and negated concepts that flip are
// turned into their opposite; negated literal words are left out.
func (lx *lexicon) terms(toks []token, out []term) []term { return lx.readTerms(toks, out, false) }

// frenchCompleters finish a French negation that "ne" opens: "ne ...
// pas", "ne ... plus", "ne ... jamais".
var frenchCompleters = map[string]bool{"pas": true, "plus": true, "jamais": true, "rien": true, "aucun": true, "aucune": true, "guere": true}

// ownFrenchNegation reports whether the phrase toks[i:end] completes the
// "ne" or "n'" that negates it: "le wifi ne marche plus" states the
// fault "marche plus" names, it does not deny it.
func ownFrenchNegation(toks []token, i, end int) bool {
	completes := false
	for k := i; k < end; k++ {
		if frenchCompleters[toks[k].fold] {
			completes = true
		}
	}
	if !completes {
		return false
	}
	for j := i - 1; j >= 0 && j >= i-5; j-- {
		if toks[j].is(fNeg) {
			return toks[j].fold == "ne" || toks[j].fold == "n"
		}
		if toks[j].brk {
			return false
		}
	}
	return false
}

// lacksOnly reports whether a lexicon entry says only that something is
// lacking ("no tiene", "there is no").
func lacksOnly(e *lexEntry) bool { return len(e.concepts) == 1 && e.concepts[0] == "#lacks" }

// readTerms is terms; with keepNeg, negated concepts that would be dropped
// are kept, marked neg.
func (lx *lexicon) readTerms(toks []token, out []term, keepNeg bool) []term {
	floor := 0 // negators before a matched phrase's end were its own
	for i := 0; i < len(toks); {
		e, end := lx.matchAt(toks, i)
		if e != nil {
			neg := !toks[i].is(fNeg) && negated(toks[floor:], i-floor) && !ownFrenchNegation(toks[floor:], i-floor, end-floor)
			// A phrase's own negator ("not working") negates nothing after
			// it, except a phrase that only says something is lacking:
			// "não tem cheiro de queimado" denies the smell.
			for k := i; k < end && !lacksOnly(e); k++ {
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
				out = append(out, term{key: c, w: e.weight, start: i, neg: neg, implied: k > 0})
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
