package email

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitReply(t *testing.T) {
	type want struct{ Body, Quoted, Signature string }
	tests := []struct {
		name string
		in   string
		want want
	}{
		{"plain", "Hello,\n\nmy printer is broken.\n", want{Body: "Hello,\n\nmy printer is broken."}},
		{"gmail english", "Still broken.\n\nOn Mon, 3 Feb 2025 at 10:12, Support <help@example.com> wrote:\n> Have you tried turning it off?\n> \n> Regards\n",
			want{Body: "Still broken.", Quoted: "On Mon, 3 Feb 2025 at 10:12, Support <help@example.com> wrote:\n> Have you tried turning it off?\n> \n> Regards"}},
		{"wrapped over two lines", "Yes.\n\nOn Mon, Feb 3, 2025 at 10:12 AM Support Team <help@example.com>\nwrote:\n\n> Question?\n",
			want{Body: "Yes.", Quoted: "On Mon, Feb 3, 2025 at 10:12 AM Support Team <help@example.com>\nwrote:\n\n> Question?"}},
		{"wrapped over three lines", "Yes.\n\nOn Feb 3, 2025, at 10:12 AM, Support Team\n<help@example.com>\nwrote:\n\n> Question?\n",
			want{Body: "Yes.", Quoted: "On Feb 3, 2025, at 10:12 AM, Support Team\n<help@example.com>\nwrote:\n\n> Question?"}},
		{"gmail unquoted history", "Thanks!\n\nOn Wed, May 18, 2016 at 11:10 PM Ann <ann@example.com> wrote:\n\nThe old text without markers.\n",
			want{Body: "Thanks!", Quoted: "On Wed, May 18, 2016 at 11:10 PM Ann <ann@example.com> wrote:\n\nThe old text without markers."}},
		{"spanish", "Sigue sin funcionar.\n\nEl lun, 3 feb 2025 a las 10:12, Soporte (<ayuda@example.com>) escribió:\n> ¿Lo reinició?\n",
			want{Body: "Sigue sin funcionar.", Quoted: "El lun, 3 feb 2025 a las 10:12, Soporte (<ayuda@example.com>) escribió:\n> ¿Lo reinició?"}},
		{"german", "Geht immer noch nicht.\n\nAm 03.02.2025 um 10:12 schrieb Support <hilfe@example.de>:\n> Haben Sie neu gestartet?\n",
			want{Body: "Geht immer noch nicht.", Quoted: "Am 03.02.2025 um 10:12 schrieb Support <hilfe@example.de>:\n> Haben Sie neu gestartet?"}},
		{"french", "Toujours en panne.\n\nLe lun. 3 févr. 2025 à 10:12, Support <aide@example.fr> a écrit :\n> Avez-vous redémarré ?\n",
			want{Body: "Toujours en panne.", Quoted: "Le lun. 3 févr. 2025 à 10:12, Support <aide@example.fr> a écrit :\n> Avez-vous redémarré ?"}},
		{"portuguese", "Ainda não funciona.\n\nEm seg., 3 de fev. de 2025 às 10:12, Suporte <ajuda@example.com.br> escreveu:\n> Reiniciou?\n",
			want{Body: "Ainda não funciona.", Quoted: "Em seg., 3 de fev. de 2025 às 10:12, Suporte <ajuda@example.com.br> escreveu:\n> Reiniciou?"}},
		{"italian", "Non funziona ancora.\n\nIl giorno lun 3 feb 2025 alle ore 10:12 Supporto <aiuto@example.it> ha scritto:\n> Ha riavviato?\n",
			want{Body: "Non funziona ancora.", Quoted: "Il giorno lun 3 feb 2025 alle ore 10:12 Supporto <aiuto@example.it> ha scritto:\n> Ha riavviato?"}},
		{"dutch", "Werkt nog steeds niet.\n\nOp ma 3 feb. 2025 om 10:12 schreef Support <hulp@example.nl>:\n> Opnieuw gestart?\n",
			want{Body: "Werkt nog steeds niet.", Quoted: "Op ma 3 feb. 2025 om 10:12 schreef Support <hulp@example.nl>:\n> Opnieuw gestart?"}},
		{"swedish", "Fungerar fortfarande inte.\n\nDen 3 feb. 2025 kl. 10:12 skrev Support <hjalp@example.se>:\n> Har du startat om?\n",
			want{Body: "Fungerar fortfarande inte.", Quoted: "Den 3 feb. 2025 kl. 10:12 skrev Support <hjalp@example.se>:\n> Har du startat om?"}},
		{"polish", "Nadal nie działa.\n\nW dniu 3.02.2025 o 10:12, Pomoc <pomoc@example.pl> napisał:\n> Czy zrestartowano?\n",
			want{Body: "Nadal nie działa.", Quoted: "W dniu 3.02.2025 o 10:12, Pomoc <pomoc@example.pl> napisał:\n> Czy zrestartowano?"}},
		{"japanese gmail", "まだ壊れています。\n\n2025年2月3日(月) 10:12 Support <help@example.com>:\n> 再起動しましたか？\n",
			want{Body: "まだ壊れています。", Quoted: "2025年2月3日(月) 10:12 Support <help@example.com>:\n> 再起動しましたか？"}},
		{"chinese", "还是坏的。\n\n在 2025年2月3日 10:12，Support <help@example.com> 写道：\n> 重启了吗？\n",
			want{Body: "还是坏的。", Quoted: "在 2025年2月3日 10:12，Support <help@example.com> 写道：\n> 重启了吗？"}},
		{"german with uhr", "Kaputt.\n\nAm Mo., 3. Feb. 2025 um 10:12 Uhr schrieb Support <hilfe@example.de>:\n\n> Neu gestartet?\n",
			want{Body: "Kaputt.", Quoted: "Am Mo., 3. Feb. 2025 um 10:12 Uhr schrieb Support <hilfe@example.de>:\n\n> Neu gestartet?"}},
		{"bare wrote header before quote", "Agreed.\n\nJane Doe wrote:\n> Shall we?\n",
			want{Body: "Agreed.", Quoted: "Jane Doe wrote:\n> Shall we?"}},
		{"original message", "See below.\n\n-----Original Message-----\nFrom: Ann\nSent: Monday\nTo: Bob\nSubject: Hi\n\nOld text\n",
			want{Body: "See below.", Quoted: "-----Original Message-----\nFrom: Ann\nSent: Monday\nTo: Bob\nSubject: Hi\n\nOld text"}},
		{"ursprüngliche nachricht", "Siehe unten.\n\n-----Ursprüngliche Nachricht-----\nVon: Ann\nGesendet: Montag\nAn: Bob\nBetreff: Hallo\n\nAlter Text\n",
			want{Body: "Siehe unten.", Quoted: "-----Ursprüngliche Nachricht-----\nVon: Ann\nGesendet: Montag\nAn: Bob\nBetreff: Hallo\n\nAlter Text"}},
		{"outlook block", "It is the X300.\n\nFrom: Support <help@example.com>\nSent: Monday, February 3, 2025 10:12 AM\nTo: Ann <ann@example.org>\nSubject: RE: Printer\n\nWhich model?\n",
			want{Body: "It is the X300.", Quoted: "From: Support <help@example.com>\nSent: Monday, February 3, 2025 10:12 AM\nTo: Ann <ann@example.org>\nSubject: RE: Printer\n\nWhich model?"}},
		{"outlook block with rule and stars", "Reply here\n\n________________________________\n*From:* Support [mailto:help@example.com]\n*Sent:* Monday\n*To:* Ann\n*Subject:* Printer\n\nOld\n",
			want{Body: "Reply here", Quoted: "________________________________\n*From:* Support [mailto:help@example.com]\n*Sent:* Monday\n*To:* Ann\n*Subject:* Printer\n\nOld"}},
		{"outlook german", "Antwort\n\nVon: Support <hilfe@example.de>\nGesendet: Montag, 3. Februar 2025 10:12\nAn: Ann\nBetreff: AW: Drucker\n\nAlt\n",
			want{Body: "Antwort", Quoted: "Von: Support <hilfe@example.de>\nGesendet: Montag, 3. Februar 2025 10:12\nAn: Ann\nBetreff: AW: Drucker\n\nAlt"}},
		{"outlook french", "Réponse\n\nDe : Support <aide@example.fr>\nEnvoyé : lundi 3 février 2025 10:12\nÀ : Ann\nObjet : RE: Imprimante\n\nAncien\n",
			want{Body: "Réponse", Quoted: "De : Support <aide@example.fr>\nEnvoyé : lundi 3 février 2025 10:12\nÀ : Ann\nObjet : RE: Imprimante\n\nAncien"}},
		{"outlook spanish", "Respuesta\n\nDe: Soporte <ayuda@example.es>\nEnviado: lunes, 3 de febrero de 2025 10:12\nPara: Ann\nAsunto: RE: Impresora\n\nViejo\n",
			want{Body: "Respuesta", Quoted: "De: Soporte <ayuda@example.es>\nEnviado: lunes, 3 de febrero de 2025 10:12\nPara: Ann\nAsunto: RE: Impresora\n\nViejo"}},
		{"forwarded block", "FYI, see the error below.\n\n---------- Forwarded message ---------\nFrom: Printer <printer@example.com>\nDate: Mon, Feb 3, 2025\nSubject: Error 42\n\nPaper jam.\n",
			want{Body: "FYI, see the error below.", Quoted: "---------- Forwarded message ---------\nFrom: Printer <printer@example.com>\nDate: Mon, Feb 3, 2025\nSubject: Error 42\n\nPaper jam."}},
		{"apple forward", "Look:\n\nBegin forwarded message:\n\nFrom: A <a@example.com>\nSubject: X\n\nBody\n",
			want{Body: "Look:", Quoted: "Begin forwarded message:\n\nFrom: A <a@example.com>\nSubject: X\n\nBody"}},
		{"trailing quote without header", "Fine.\n\n> earlier\n> text\n", want{Body: "Fine.", Quoted: "> earlier\n> text"}},
		{"bottom posting", "On Mon, 3 Feb 2025 at 10:12, Support <help@example.com> wrote:\n> Which model?\n\nThe X300.\n",
			want{Body: "The X300.", Quoted: "On Mon, 3 Feb 2025 at 10:12, Support <help@example.com> wrote:\n> Which model?"}},
		{"inline replies stay", "Hi,\n> Which model?\nX300\n> Serial?\nSN-1234\n",
			want{Body: "Hi,\n> Which model?\nX300\n> Serial?\nSN-1234"}},
		{"sig delimiter", "Please help.\n\n-- \nAnn Example\nACME Corp\n", want{Body: "Please help.", Signature: "-- \nAnn Example\nACME Corp"}},
		{"sent from my iphone", "Broken again\n\nSent from my iPhone\n", want{Body: "Broken again", Signature: "Sent from my iPhone"}},
		{"multi-word device", "Broken again\n\nSent from my Verizon Wireless BlackBerry\n", want{Body: "Broken again", Signature: "Sent from my Verizon Wireless BlackBerry"}},
		{"sent from in a sentence", "Broken again\n\nSent from my desk, which is easier than my phone.\n", want{Body: "Broken again\n\nSent from my desk, which is easier than my phone."}},
		{"enviado desde mi", "Roto\n\nEnviado desde mi iPhone\n", want{Body: "Roto", Signature: "Enviado desde mi iPhone"}},
		{"von meinem iphone gesendet", "Kaputt\n\nVon meinem iPhone gesendet\n", want{Body: "Kaputt", Signature: "Von meinem iPhone gesendet"}},
		{"envoyé de mon", "Cassé\n\nEnvoyé de mon iPhone\n", want{Body: "Cassé", Signature: "Envoyé de mon iPhone"}},
		{"enviado do meu", "Quebrado\n\nEnviado do meu iPhone\n", want{Body: "Quebrado", Signature: "Enviado do meu iPhone"}},
		{"get outlook", "Broken\n\nGet Outlook for Android\n", want{Body: "Broken", Signature: "Get Outlook for Android"}},
		{"signature then quote", "Broken.\n\nSent from my iPhone\n\nOn 3 Feb 2025, at 10:12, Support <help@example.com> wrote:\n> Still?\n",
			want{Body: "Broken.", Quoted: "On 3 Feb 2025, at 10:12, Support <help@example.com> wrote:\n> Still?", Signature: "Sent from my iPhone"}},
		{"quote then signature", "Broken.\n\n> Still?\n\n-- \nAnn\n",
			want{Body: "Broken.", Quoted: "> Still?", Signature: "-- \nAnn"}},
		{"dash name", "Thanks for the help.\n\n-Ann\n", want{Body: "Thanks for the help.", Signature: "-Ann"}},
		{"negative number is not a signature", "The reading is\n\n-1 on every try\n", want{Body: "The reading is\n\n-1 on every try"}},
		{"bullets are not a signature", "Steps:\n\n- unplug\n- wait\n", want{Body: "Steps:\n\n- unplug\n- wait"}},
		{"sign-off block", "The scanner fails too.\n\nBest regards,\nAnn Example\nHead of IT, ACME\n+1 555 0100\n",
			want{Body: "The scanner fails too.\n\nBest regards,", Signature: "Ann Example\nHead of IT, ACME\n+1 555 0100"}},
		{"sign-off followed by a sentence", "Thanks,\nCan you call me back today?\n", want{Body: "Thanks,\nCan you call me back today?"}},
		{"mailing list footer", "Question here.\n\n____________\nusers mailing list\nusers@example.org\n",
			want{Body: "Question here.", Signature: "____________\nusers mailing list\nusers@example.org"}},
		{"only quote keeps whole text", "> just a quote\n", want{Body: "> just a quote"}},
		{"only signature keeps whole text", "Sent from my iPhone\n", want{Body: "Sent from my iPhone"}},
		{"on without wrote is text", "On your host run:\n\n  telnet 127.0.0.1 80\n", want{Body: "On your host run:\n\n  telnet 127.0.0.1 80"}},
		{"crlf", "Yes.\r\n\r\nOn Mon, 3 Feb 2025 at 10:12, S <s@example.com> wrote:\r\n> Q\r\n",
			want{Body: "Yes.", Quoted: "On Mon, 3 Feb 2025 at 10:12, S <s@example.com> wrote:\n> Q"}},
		{"answer under a long quoted line stays", "> Could you tell me which model you have and where you bought it from\nX300 from the shop in town\n",
			want{Body: "X300 from the shop in town", Quoted: "> Could you tell me which model you have and where you bought it from"}},
		{"verbless header wrapped before the address", "Нет.\n\nпн, 3 февр. 2025 г. в 10:12, Служба поддержки\n<help@example.ru>:\n> Помогло?\n",
			want{Body: "Нет.", Quoted: "пн, 3 февр. 2025 г. в 10:12, Служба поддержки\n<help@example.ru>:\n> Помогло?"}},
		{"a sentence with a date and an address is not a header", "We met on 3 Feb 2025 at 10:12 and wrote to Support <help@example.com>:\nplease call back.\n",
			want{Body: "We met on 3 Feb 2025 at 10:12 and wrote to Support <help@example.com>:\nplease call back."}},
		{"empty", "", want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got want
			got.Body, got.Quoted, got.Signature = SplitReply(tt.in)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("SplitReply(%q) (-want +got):\n%s", tt.in, d)
			}
		})
	}
}

func TestSplitReplyLongInputIsLinear(t *testing.T) {
	// A long run of lines that each almost form a header must not make
	// the splitter slow; this finishes in milliseconds.
	in := strings.Repeat("On a line that never says the word, at 10:12\n", 20000)
	body, _, _ := SplitReply(in)
	if body == "" {
		t.Fatal("empty body")
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want HTMLText
	}{
		{"paragraphs, breaks, lists, links, no script or style",
			`<html><head><title>t</title><style>p{color:red}</style></head><body><script>alert(1)</script>` +
				`<p>Hello&nbsp;team,</p><p>line one<br>line two</p><ul><li>first</li><li>second</li></ul>` +
				`<ol><li>one</li><li>two</li></ol><p>See <a href="https://example.com/kb/1">the article</a> or <a href="mailto:help@example.com">help@example.com</a>.</p></body></html>`,
			HTMLText{Text: "Hello team,\n\nline one\nline two\n\n- first\n- second\n\n1. one\n2. two\n\nSee the article (https://example.com/kb/1) or help@example.com."}},
		{"gmail quote", `<div dir="ltr">New text</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, Ann wrote:<br></div><blockquote class="gmail_quote">Old text</blockquote></div>`,
			HTMLText{Text: "New text", Quoted: "On Mon, Ann wrote:\n\nOld text"}},
		{"apple cite", `<div>Yes</div><div><br><blockquote type="cite"><div>Question?</div></blockquote></div>`,
			HTMLText{Text: "Yes", Quoted: "Question?"}},
		{"thunderbird", `<p>Answer</p><div class="moz-cite-prefix">On 3/2/25 Ann wrote:<br></div><blockquote type="cite">Q</blockquote><pre class="moz-signature">-- 
Ann</pre>`,
			HTMLText{Text: "Answer", Quoted: "On 3/2/25 Ann wrote:\n\nQ", Signature: "--\nAnn"}},
		{"outlook divRplyFwdMsg", `<div>Answer</div><hr><div id="divRplyFwdMsg"><b>From:</b> Support<br><b>Sent:</b> Monday</div><div>Old body</div>`,
			HTMLText{Text: "Answer", Quoted: "From: Support\nSent: Monday\n\nOld body"}},
		{"yahoo", `<div>Yes</div><div class="yahoo_quoted">On Monday Ann wrote: old</div>`,
			HTMLText{Text: "Yes", Quoted: "On Monday Ann wrote: old"}},
		{"gmail signature", `<div>Help</div><div class="gmail_signature">Ann | ACME</div>`,
			HTMLText{Text: "Help", Signature: "Ann | ACME"}},
		{"table", `<table><tr><td>Model</td><td>X300</td></tr><tr><td>Serial</td><td>SN-1</td></tr></table>`,
			HTMLText{Text: "Model X300\nSerial SN-1"}},
		{"pre keeps spaces", "<pre>a  b\n  c</pre>", HTMLText{Text: "a  b\n  c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, HTMLToText(tt.in)); d != "" {
				t.Errorf("HTMLToText (-want +got):\n%s", d)
			}
		})
	}
}
