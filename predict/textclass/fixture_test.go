package textclass

// fixture is a small labelled history written for these tests: four
// kinds of request in English, Spanish, German, French and Portuguese.
var fixture = []Example{
	{"I was charged twice for my subscription this month", "billing"},
	{"Please refund the duplicate charge on my invoice", "billing"},
	{"My credit card was billed the wrong amount", "billing"},
	{"Why is there an extra fee on my invoice?", "billing"},
	{"Can I change the payment method for my subscription?", "billing"},
	{"Me cobraron dos veces la suscripción", "billing"},
	{"La factura tiene un cargo incorrecto", "billing"},
	{"Die Rechnung enthält eine doppelte Abbuchung", "billing"},
	{"On m'a facturé deux fois l'abonnement", "billing"},
	{"Fui cobrado duas vezes na fatura", "billing"},

	{"Where is my order? It has not arrived yet", "shipping"},
	{"The package was delivered to the wrong address", "shipping"},
	{"My delivery is late, the tracking has not moved in a week", "shipping"},
	{"The box arrived damaged in transit", "shipping"},
	{"When will my order ship?", "shipping"},
	{"Mi pedido no ha llegado todavía", "shipping"},
	{"El paquete llegó a la dirección equivocada", "shipping"},
	{"Meine Bestellung ist noch nicht angekommen", "shipping"},
	{"Ma commande n'est toujours pas livrée", "shipping"},
	{"Meu pedido ainda não chegou", "shipping"},

	{"I cannot sign in to my account", "account"},
	{"Password reset email never comes", "account"},
	{"My account is locked after too many attempts", "account"},
	{"The two-factor code is not accepted when I log in", "account"},
	{"I think my account was hacked", "account"},
	{"No puedo iniciar sesión en mi cuenta", "account"},
	{"Olvidé mi contraseña y no llega el correo", "account"},
	{"Ich kann mich nicht anmelden, Passwort vergessen", "account"},
	{"Je n'arrive pas à me connecter à mon compte", "account"},
	{"Não consigo entrar na minha conta", "account"},

	{"The router keeps rebooting every few minutes", "defect"},
	{"The camera does not turn on anymore", "defect"},
	{"One of the ethernet ports is dead", "defect"},
	{"The device overheats and shuts down", "defect"},
	{"Wi-Fi drops constantly since the update, the unit crashes", "defect"},
	{"El router se reinicia solo cada pocos minutos", "defect"},
	{"La cámara no enciende", "defect"},
	{"Der Router startet ständig neu", "defect"},
	{"La caméra ne s'allume plus", "defect"},
	{"O roteador reinicia sozinho", "defect"},
}
