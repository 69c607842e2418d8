package email

import (
	"strings"
	"testing"
)

// replyForm is a reply as people's mail programs write it: the text the
// author wrote, and words that must land in the quoted history or in the
// signature.
type replyForm struct {
	name      string
	in        string
	body      string
	quotedHas string
	sigHas    string
}

// replyForms are fixtures written for the forms of reply headers,
// quotes, header blocks, footers and signatures that mail programs
// produce, in the languages the splitter reads.
var replyForms = []replyForm{
	// Reply headers without a "wrote" verb.
	{"no verb: date, name, address", "The fan is loud again.\n\n3 Feb 2025, 10:12, Support Team <help@example.com>:\n> Did the update help?\n",
		"The fan is loud again.", "Did the update help?", ""},
	{"no verb: iso date", "Yes, since Monday.\n\n2025-02-03 10:12 GMT+01:00, Support <help@example.com>:\n> Since when?\n> Regards\n",
		"Yes, since Monday.", "Since when?", ""},
	{"no verb: weekday first", "It is the blue model.\n\nMon, Feb 3, 2025, 10:12 AM Support Desk <desk@example.com>:\n\n> Which model is it?\n",
		"It is the blue model.", "Which model is it?", ""},
	{"no verb, history not marked", "Attached is the log.\n\nMon, 3 Feb 2025 10:12 +0100, Support <help@example.com>:\n\nPlease send us the log file.\nThanks\n",
		"Attached is the log.", "Please send us the log file.", ""},
	// Split over two lines, or wrapped at ">:".
	{"two lines: name then address and verb", "Still nothing.\n\nOn Tue, 4 Feb 2025 at 09:30, Customer Care Team of Example\n<care@example.com> wrote:\n> Any change?\n",
		"Still nothing.", "Any change?", ""},
	{"wrapped at >: with verb", "Thank you, it works now.\n\nOn Tue, Feb 4, 2025 at 9:30 AM Customer Care <care@example.com\n> wrote:\n\n> Try the reset button.\n",
		"Thank you, it works now.", "Try the reset button.", ""},
	{"wrapped at >: without verb", "No, only the screen.\n\n4 Feb 2025, 09:30, Customer Care Team <care@example.com\n>:\n> Is the keyboard affected?\n",
		"No, only the screen.", "Is the keyboard affected?", ""},
	// Languages.
	{"polish gmail", "Dalej nie działa drukarka.\n\npon., 3 lut 2025 o 10:12 Pomoc Techniczna <pomoc@example.pl> napisał(a):\n> Czy sprawdził Pan kabel?\n",
		"Dalej nie działa drukarka.", "Czy sprawdził Pan kabel?", ""},
	{"finnish", "Tulostin ei vieläkään toimi.\n\nma 3. helmik. 2025 klo 10.12 Tuki <tuki@example.fi> kirjoitti:\n> Käynnistitkö laitteen uudelleen?\n",
		"Tulostin ei vieläkään toimi.", "Käynnistitkö", ""},
	{"danish", "Printeren virker stadig ikke.\n\nDen man. 3. feb. 2025 kl. 10.12 skrev Kundeservice <hjaelp@example.dk>:\n> Har du genstartet den?\n",
		"Printeren virker stadig ikke.", "Har du genstartet", ""},
	{"norwegian", "Skriveren virker fortsatt ikke.\n\nman. 3. feb. 2025 kl. 10:12 skrev Kundeservice <hjelp@example.no>:\n\n> Har du startet den på nytt?\n",
		"Skriveren virker fortsatt ikke.", "startet den", ""},
	{"swedish without den", "Skrivaren fungerar fortfarande inte.\n\nmån 3 feb. 2025 kl. 10:12 skrev Support <hjalp@example.se>:\n> Har du startat om den?\n",
		"Skrivaren fungerar fortfarande inte.", "startat om", ""},
	{"russian gmail without verb", "Принтер всё ещё не работает.\n\nпн, 3 февр. 2025 г. в 10:12, Поддержка <help@example.ru>:\n> Вы перезагрузили устройство?\n",
		"Принтер всё ещё не работает.", "перезагрузили", ""},
	{"russian with verb", "Нет, не помогло.\n\n3 февраля 2025 г., в 10:12, Поддержка <help@example.ru> написал(а):\n> Помогло?\n",
		"Нет, не помогло.", "Помогло?", ""},
	{"dutch het volgende", "De printer doet het nog steeds niet.\n\nOp ma 3 feb 2025 om 10:12 schreef Support <hulp@example.nl> het volgende:\n> Heeft u hem opnieuw opgestart?\n",
		"De printer doet het nog steeds niet.", "opnieuw opgestart", ""},
	{"italian gmail", "La stampante continua a non funzionare.\n\nIl lun 3 feb 2025, 10:12 Supporto <aiuto@example.it> ha scritto:\n> Ha provato a riavviarla?\n",
		"La stampante continua a non funzionare.", "riavviarla", ""},
	// Quoted blocks whose hard-wrapped lines lost their ">".
	{"wrapped quote lost markers", "Here is the serial: SN-88812.\n\nOn Mon, 3 Feb 2025 at 10:12, Support <help@example.com> wrote:\n> We looked at your request and we need the serial number of the device that\nfails, and the date you bought it.\n> You find it on the label under the device.\n",
		"Here is the serial: SN-88812.", "date you bought it", ""},
	{"wrapped quote lost markers at the end", "Bought in March.\n\n> When did you buy the device, and do you still have the receipt from the\nshop?\n",
		"Bought in March.", "shop?", ""},
	// Outlook header blocks.
	{"outlook french copie à and sujet", "Merci, c'est réglé.\n\nDe : Support <aide@example.fr>\nEnvoyé : mardi 4 février 2025 09:30\nÀ : Anne Martin <anne@example.fr>\nCopie à : Service Achats <achats@example.fr>\nSujet : RE: Facture 2211\n\nPouvez-vous confirmer ?\n",
		"Merci, c'est réglé.", "Pouvez-vous confirmer", ""},
	{"outlook french date and cc", "Toujours bloqué.\n\nDe: Support <aide@example.fr>\nDate: mardi 4 février 2025 à 09:30\nÀ: Anne <anne@example.fr>\nCc: Paul <paul@example.fr>\nObjet: Compte bloqué\n\nAvez-vous réessayé ?\n",
		"Toujours bloqué.", "Avez-vous réessayé", ""},
	{"outlook spanish enviado el", "Ya funciona, gracias.\n\nDe: Soporte <ayuda@example.es>\nEnviado el: martes, 4 de febrero de 2025 9:30\nPara: Ana <ana@example.es>\nCC: Pedro <pedro@example.es>\nAsunto: RE: Acceso\n\n¿Puede probar de nuevo?\n",
		"Ya funciona, gracias.", "probar de nuevo", ""},
	{"outlook portuguese", "Já está resolvido.\n\nDe: Suporte <ajuda@example.pt>\nEnviada em: terça-feira, 4 de fevereiro de 2025 09:30\nPara: Ana <ana@example.pt>\nCc: João <joao@example.pt>\nAssunto: RE: Fatura\n\nPode confirmar o número?\n",
		"Já está resolvido.", "Pode confirmar", ""},
	{"outlook italian", "Risolto, grazie.\n\nDa: Supporto <aiuto@example.it>\nInviato: martedì 4 febbraio 2025 09:30\nA: Anna <anna@example.it>\nCc: Paolo <paolo@example.it>\nOggetto: R: Fattura\n\nPuò confermare il numero?\n",
		"Risolto, grazie.", "Può confermare", ""},
	{"outlook german with cc", "Hat geklappt.\n\nVon: Support <hilfe@example.de>\nGesendet: Dienstag, 4. Februar 2025 09:30\nAn: Anna <anna@example.de>\nCc: Paul <paul@example.de>\nBetreff: AW: Rechnung\n\nKönnen Sie die Nummer bestätigen?\n",
		"Hat geklappt.", "Nummer bestätigen", ""},
	{"outlook dutch", "Het is opgelost.\n\nVan: Support <hulp@example.nl>\nVerzonden: dinsdag 4 februari 2025 09:30\nAan: Anna <anna@example.nl>\nCC: Piet <piet@example.nl>\nOnderwerp: RE: Factuur\n\nKunt u het nummer bevestigen?\n",
		"Het is opgelost.", "nummer bevestigen", ""},
	// Separators.
	{"oprindelig besked", "Den er stadig i stykker.\n\n-------- Oprindelig besked --------\nFra: Kundeservice <hjaelp@example.dk>\nDato: 04-02-2025 09:30\nTil: Anne <anne@example.dk>\nEmne: Printer\n\nHar du prøvet igen?\n",
		"Den er stadig i stykker.", "Har du prøvet igen", ""},
	{"zoho reply header with dashes", "Still the same error.\n\n---- On Tue, 04 Feb 2025 09:30:00 +0100 Support <help@example.com> wrote ----\n\nDid the patch install?\n",
		"Still the same error.", "Did the patch install", ""},
	{"zoho header fields then a line of dashes", "Please see the answer below.\n\nFrom : Support <help@example.com>\nTo : \"Ann\" <ann@example.org>\nDate : Tue, 04 Feb 2025 09:30:00 +0100\nSubject : Re: Printer\n-------------------------------------\n\nWhich firmware do you run?\n",
		"Please see the answer below.", "Which firmware", ""},
	// Mobile footers followed by a link.
	{"sent from with link", "Please call me.\n\nSent from my phone <http://phone.example/app>\n",
		"Please call me.", "", "Sent from my phone"},
	{"get outlook for ios with link", "Works now.\n\nGet Outlook for iOS<https://outlook.example/ios>\n",
		"Works now.", "", "Get Outlook for iOS"},
	{"envoyé à partir de", "Merci beaucoup pour l'aide.\n\nEnvoyé à partir de Outlook pour Android<https://outlook.example/android>\n",
		"Merci beaucoup pour l'aide.", "", "Envoyé à partir de"},
	{"gesendet von outlook für android", "Danke, das hilft.\n\nGesendet von Outlook für Android<https://outlook.example/android>\n",
		"Danke, das hilft.", "", "Gesendet von Outlook"},
	{"sent from mail for windows", "The license key is attached.\n\nSent from Mail<https://mail.example/windows> for Windows\n",
		"The license key is attached.", "", "Sent from Mail"},
	{"footer with link above the quote", "Broken again.\n\nGet Outlook for Android<https://outlook.example/android>\n\nOn Tue, 4 Feb 2025 at 09:30, Support <help@example.com> wrote:\n> Is it fixed?\n",
		"Broken again.", "Is it fixed?", "Get Outlook for Android"},
	// Signatures without a delimiter.
	{"closing block: name, title, company, phone, link", "The invoice lists the wrong VAT number, please correct it.\n\nAnn Example\nHead of Purchasing\nACME Trading Ltd.\nPhone: +44 20 7946 0991\nwww.acme.example\n",
		"The invoice lists the wrong VAT number, please correct it.", "", "Head of Purchasing"},
	{"closing block with pipes", "We need two more licences for the new staff.\n\nPeter Muster | IT Manager | Muster AG\nT +41 44 123 45 67 | M +41 79 123 45 67\nhttps://muster.example\n",
		"We need two more licences for the new staff.", "", "IT Manager"},
	{"closing block after thanks", "Can you send the manual again?\n\nThanks\nMaria Rossi\nOffice Manager, Rossi Srl\n+39 02 1234 5678 | maria@rossi.example\n",
		"Can you send the manual again?\n\nThanks", "", "Office Manager"},
	{"a last paragraph of words is not a signature", "The device restarts every night.\n\nIt happens at two in the morning\nand the log shows nothing at all.\n",
		"The device restarts every night.\n\nIt happens at two in the morning\nand the log shows nothing at all.", "", ""},
	{"a list of contact details asked for stays", "Here are the details you asked for:\n\nAnn Example\nPhone: +44 20 7946 0991\n",
		"Here are the details you asked for:\n\nAnn Example\nPhone: +44 20 7946 0991", "", ""},
	// Delivery-failure reports.
	{"delivery failure quoting the header", "This is the mail system at host mx.example.net.\n\nYour message could not be delivered to one or more recipients.\n\n<bob@example.net>: host mx2.example.net said: 550 5.1.1 user unknown\n\nReturn-Path: <ann@example.org>\nFrom: Ann <ann@example.org>\nTo: bob@example.net\nSubject: Printer\nDate: Tue, 4 Feb 2025 09:30:00 +0100\nMessage-ID: <p1@example.org>\n",
		"This is the mail system at host mx.example.net.\n\nYour message could not be delivered to one or more recipients.\n\n<bob@example.net>: host mx2.example.net said: 550 5.1.1 user unknown\n\nReturn-Path: <ann@example.org>\nFrom: Ann <ann@example.org>\nTo: bob@example.net\nSubject: Printer\nDate: Tue, 4 Feb 2025 09:30:00 +0100\nMessage-ID: <p1@example.org>", "", ""},
	{"delivery failure with original headers", "Delivery has failed to these recipients:\n\ncarl@example.net\n\nOriginal message headers:\n\nFrom: Ann <ann@example.org>\nTo: <carl@example.net>\nSubject: Order 5512\nMIME-Version: 1.0\nContent-Type: text/plain\n",
		"Delivery has failed to these recipients:\n\ncarl@example.net\n\nOriginal message headers:\n\nFrom: Ann <ann@example.org>\nTo: <carl@example.net>\nSubject: Order 5512\nMIME-Version: 1.0\nContent-Type: text/plain", "", ""},
	// Inline answers under a quote.
	{"inline answers under a leading quote", "On Tue, 4 Feb 2025 at 09:30, Support <help@example.com> wrote:\n> Which model do you have?\n\nThe X300.\n\n> And the serial number?\n\nSN-4471.\n\n> On Mon, 3 Feb 2025, Ann wrote:\n> > It is broken.\n",
		"On Tue, 4 Feb 2025 at 09:30, Support <help@example.com> wrote:\n> Which model do you have?\n\nThe X300.\n\n> And the serial number?\n\nSN-4471.", "It is broken.", ""},
}

// TestSplitReplyForms checks every reply form. The first run of this
// batch, run before the splitter learnt any of the forms, passed 20 of
// 42.
func TestSplitReplyForms(t *testing.T) {
	pass := 0
	for _, f := range replyForms {
		body, quoted, sig := SplitReply(f.in)
		ok := body == f.body && (f.quotedHas == "" || strings.Contains(quoted, f.quotedHas)) &&
			(f.sigHas == "" || strings.Contains(sig, f.sigHas)) &&
			(f.quotedHas != "" || quoted == "") && (f.sigHas != "" || sig == "")
		if ok {
			pass++
			continue
		}
		t.Errorf("%s:\n--- body:\n%s\n--- quoted:\n%s\n--- signature:\n%s\n--- want body:\n%s", f.name, body, quoted, sig, f.body)
	}
	t.Logf("%d/%d reply forms split as written", pass, len(replyForms))
}
