/* mailtext.c: the texts of confer's own messages in English, French and
 * Spanish, one row per template with a column per language (like the
 * archive's i18n table), and site overrides read from templates/mail/. */
#include <string.h>

#include "admin/lists.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/site.h"
#include "core/util.h"
#include "policy/mailtext.h"

#define TEMPLATE_MAX 65536

static const char *const langs[] = { "en", "fr", "es" };

struct mt_row {
	const char *name;
	const char *text[3]; /* in the order of langs */
};

#define OWNERS_EN "The list owners can be reached at {list}-owner@{domain}.\n"
#define OWNERS_FR "Les propriétaires de la liste sont joignables à\n" \
	"{list}-owner@{domain}.\n"
#define OWNERS_ES "Puede escribir a los propietarios de la lista en\n" \
	"{list}-owner@{domain}.\n"
#define REQ_EN "Subject: Your request to {list}\n\n"
#define REQ_FR "Subject: Votre demande à la liste {list}\n\n"
#define REQ_ES "Subject: Su solicitud a la lista {list}\n\n"
#define MODREF_EN "Subject: Your moderation reply for {list} did nothing\n\n"
#define MODREF_FR "Subject: Votre réponse de modération pour {list} est " \
	"restée sans effet\n\n"
#define MODREF_ES "Subject: Su respuesta de moderación para {list} no ha " \
	"tenido efecto\n\n"

/* Rows without a "Subject:" are lines inside another message (the
 * answers to -request commands, reasons, words). */
static const struct mt_row rows[] = {
	/* ---- -request ---- */
	{ "help", {
	  "Subject: Help for the {list} list\n\n"
	  "This is the address for commands to the {list} list at {domain}.\n"
	  "{description}\n\n"
	  "Write one command per line at the start of your message (or in\n"
	  "the subject); the first line that is not a command ends them.\n\n"
	  "  help, info            this text\n"
	  "  subscribe [ADDRESS]   join the list (you confirm by mail)\n"
	  "  unsubscribe [ADDRESS] leave the list (you confirm by mail)\n"
	  "  set each              receive every post\n"
	  "  set digest            receive digests\n"
	  "  set nomail            receive nothing (and stay a member)\n"
	  "  who                   the members (owners and moderators only)\n\n"
	  "Posts go to {list}@{domain}; the owners are at\n"
	  "{list}-owner@{domain}.\n",
	  "Subject: Aide de la liste {list}\n\n"
	  "Cette adresse reçoit les commandes de la liste {list} sur\n"
	  "{domain}.\n"
	  "{description}\n\n"
	  "Écrivez une commande par ligne au début de votre message (ou dans\n"
	  "l’objet) ; la première ligne qui n’est pas une commande termine\n"
	  "les commandes. Les commandes s’écrivent en anglais :\n\n"
	  "  help, info            ce texte\n"
	  "  subscribe [ADRESSE]   s’abonner (vous confirmez par courriel)\n"
	  "  unsubscribe [ADRESSE] se désabonner (confirmation par courriel)\n"
	  "  set each              recevoir chaque message\n"
	  "  set digest            recevoir des condensés\n"
	  "  set nomail            ne rien recevoir (en restant membre)\n"
	  "  who                   les membres (pour les propriétaires et\n"
	  "                        les modérateurs)\n\n"
	  "Les messages s’envoient à {list}@{domain} ; les propriétaires\n"
	  "sont joignables à {list}-owner@{domain}.\n",
	  "Subject: Ayuda de la lista {list}\n\n"
	  "Esta es la dirección de comandos de la lista {list} en {domain}.\n"
	  "{description}\n\n"
	  "Escriba un comando por línea al principio del mensaje (o en el\n"
	  "asunto); la primera línea que no sea un comando termina los\n"
	  "comandos. Los comandos se escriben en inglés:\n\n"
	  "  help, info            este texto\n"
	  "  subscribe [DIRECCIÓN] suscribirse (confirmará por correo)\n"
	  "  unsubscribe [DIRECCIÓN]\n"
	  "                        darse de baja (confirmará por correo)\n"
	  "  set each              recibir cada mensaje\n"
	  "  set digest            recibir resúmenes\n"
	  "  set nomail            no recibir nada (sin dejar de ser miembro)\n"
	  "  who                   los miembros (solo para propietarios y\n"
	  "                        moderadores)\n\n"
	  "Los mensajes se envían a {list}@{domain}; los propietarios\n"
	  "están en {list}-owner@{domain}.\n" } },
	{ "answer", {
	  "Subject: Re: your message to {list}-request\n\n{results}",
	  "Subject: Re: votre message à {list}-request\n\n{results}",
	  "Subject: Re: su mensaje a {list}-request\n\n{results}" } },
	{ "nocommand", {
	  "Subject: Re: your message to {list}-request\n\n"
	  "Your message contained no command.\n\n{help}",
	  "Subject: Re: votre message à {list}-request\n\n"
	  "Votre message ne contenait aucune commande.\n\n{help}",
	  "Subject: Re: su mensaje a {list}-request\n\n"
	  "Su mensaje no contenía ningún comando.\n\n{help}" } },
	{ "req_bad_address", {
	  "{command}: \"{address}\" is not a usable address.\n",
	  "{command} : « {address} » n’est pas une adresse utilisable.\n",
	  "{command}: «{address}» no es una dirección válida.\n" } },
	{ "req_closed", {
	  "subscribe: {list} is closed; the owners add members\n"
	  "({list}-owner@{domain}).\n",
	  "subscribe : la liste {list} est fermée ; ce sont les propriétaires\n"
	  "qui ajoutent les membres ({list}-owner@{domain}).\n",
	  "subscribe: la lista {list} está cerrada; los propietarios añaden\n"
	  "a los miembros ({list}-owner@{domain}).\n" } },
	{ "req_already_member", {
	  "subscribe: {address} is already a member.\n",
	  "subscribe : {address} est déjà membre.\n",
	  "subscribe: {address} ya es miembro.\n" } },
	{ "req_not_member", {
	  "unsubscribe: {address} is not a member.\n",
	  "unsubscribe : {address} n’est pas membre.\n",
	  "unsubscribe: {address} no es miembro.\n" } },
	{ "req_network_first", {
	  "subscribe: {address} must first be a member of the {network} list.\n",
	  "subscribe : {address} doit d’abord être membre de la liste "
	  "{network}.\n",
	  "subscribe: {address} debe ser antes miembro de la lista {network}.\n" } },
	{ "req_confirm_sent", {
	  "{command} {address}: a confirmation request was sent to "
	  "{address}.\n",
	  "{command} {address} : une demande de confirmation a été envoyée à "
	  "{address}.\n",
	  "{command} {address}: se ha enviado una solicitud de confirmación a "
	  "{address}.\n" } },
	{ "set_usage", {
	  "set: use \"set each\", \"set digest\" or \"set nomail\".\n",
	  "set : utilisez « set each », « set digest » ou « set nomail ».\n",
	  "set: use «set each», «set digest» o «set nomail».\n" } },
	{ "set_not_member", {
	  "set {mode}: {address} is not a member.\n",
	  "set {mode} : {address} n’est pas membre.\n",
	  "set {mode}: {address} no es miembro.\n" } },
	{ "set_done", {
	  "set {mode}: done for {address}.\n",
	  "set {mode} : c’est fait pour {address}.\n",
	  "set {mode}: hecho para {address}.\n" } },
	{ "who_refused", {
	  "who: only owners and moderators of {list} may see its members.\n",
	  "who : seuls les propriétaires et les modérateurs de {list} peuvent\n"
	  "voir ses membres.\n",
	  "who: solo los propietarios y moderadores de {list} pueden ver sus\n"
	  "miembros.\n" } },
	{ "who_header", {
	  "who: the members of {list}:\n",
	  "who : les membres de {list} :\n",
	  "who: los miembros de {list}:\n" } },

	/* ---- confirming a subscribe or unsubscribe ---- */
	{ "confirm_subscribe", {
	  "Subject: Please confirm: subscribe {address} to {list}\n\n"
	  "Someone, perhaps you, asked to subscribe\n{address}\n"
	  "to the {list} list at {domain}.\n\n"
	  "To confirm, reply to this message; what you write does not\n"
	  "matter.  Replies go to:\n{reply_to}\n\n"
	  "If you did not ask for this, ignore this message: nothing\n"
	  "will change.  The request expires in {days} days.\n",
	  "Subject: Confirmation demandée : abonnement de {address} à {list}\n\n"
	  "Quelqu’un, peut-être vous, a demandé l’abonnement de\n{address}\n"
	  "à la liste {list} sur {domain}.\n\n"
	  "Pour confirmer, répondez à ce message ; le contenu de votre\n"
	  "réponse importe peu. Les réponses vont à :\n{reply_to}\n\n"
	  "Si vous n’êtes pas à l’origine de cette demande, ignorez ce\n"
	  "message : rien ne changera. La demande expire dans {days} jours.\n",
	  "Subject: Confirme, por favor: suscripción de {address} a {list}\n\n"
	  "Alguien, quizá usted, ha pedido suscribir\n{address}\n"
	  "a la lista {list} en {domain}.\n\n"
	  "Para confirmar, responda a este mensaje; lo que escriba no\n"
	  "importa. Las respuestas van a:\n{reply_to}\n\n"
	  "Si usted no lo ha pedido, ignore este mensaje: no cambiará\n"
	  "nada. La solicitud caduca dentro de {days} días.\n" } },
	{ "confirm_unsubscribe", {
	  "Subject: Please confirm: unsubscribe {address} from {list}\n\n"
	  "Someone, perhaps you, asked to unsubscribe\n{address}\n"
	  "from the {list} list at {domain}.\n\n"
	  "To confirm, reply to this message; what you write does not\n"
	  "matter.  Replies go to:\n{reply_to}\n\n"
	  "If you did not ask for this, ignore this message: nothing\n"
	  "will change.  The request expires in {days} days.\n",
	  "Subject: Confirmation demandée : désabonnement de {address} de "
	  "{list}\n\n"
	  "Quelqu’un, peut-être vous, a demandé le désabonnement de\n"
	  "{address}\nde la liste {list} sur {domain}.\n\n"
	  "Pour confirmer, répondez à ce message ; le contenu de votre\n"
	  "réponse importe peu. Les réponses vont à :\n{reply_to}\n\n"
	  "Si vous n’êtes pas à l’origine de cette demande, ignorez ce\n"
	  "message : rien ne changera. La demande expire dans {days} jours.\n",
	  "Subject: Confirme, por favor: baja de {address} de {list}\n\n"
	  "Alguien, quizá usted, ha pedido dar de baja\n{address}\n"
	  "de la lista {list} en {domain}.\n\n"
	  "Para confirmar, responda a este mensaje; lo que escriba no\n"
	  "importa. Las respuestas van a:\n{reply_to}\n\n"
	  "Si usted no lo ha pedido, ignore este mensaje: no cambiará\n"
	  "nada. La solicitud caduca dentro de {days} días.\n" } },
	{ "conf_bad_token", {
	  REQ_EN "This confirmation address is not valid; nothing was done.\n",
	  REQ_FR "Cette adresse de confirmation n’est pas valable ; rien n’a "
	  "été fait.\n",
	  REQ_ES "Esta dirección de confirmación no es válida; no se ha hecho "
	  "nada.\n" } },
	{ "conf_wrong_address", {
	  REQ_EN "This confirmation was sent to another address and must come "
	  "from\nthere; nothing was done.\n",
	  REQ_FR "Cette demande de confirmation a été envoyée à une autre "
	  "adresse,\net la réponse doit venir de celle-ci ; rien n’a été "
	  "fait.\n",
	  REQ_ES "Esta confirmación se envió a otra dirección y la respuesta "
	  "debe\nvenir de ella; no se ha hecho nada.\n" } },
	{ "conf_used", {
	  REQ_EN "This request was already confirmed; nothing more was done.\n",
	  REQ_FR "Cette demande a déjà été confirmée ; rien de plus n’a été "
	  "fait.\n",
	  REQ_ES "Esta solicitud ya se había confirmado; no se ha hecho nada "
	  "más.\n" } },
	{ "conf_expired", {
	  REQ_EN "This request has expired; nothing was done.  Please ask "
	  "again.\n",
	  REQ_FR "Cette demande a expiré ; rien n’a été fait. Merci de la "
	  "renouveler.\n",
	  REQ_ES "Esta solicitud ha caducado; no se ha hecho nada. Vuelva a "
	  "pedirlo, por favor.\n" } },
	{ "conf_closed", {
	  REQ_EN "Subscriptions to this list are now closed; nothing was "
	  "done.\n",
	  REQ_FR "Les abonnements à cette liste sont désormais fermés ; rien "
	  "n’a été fait.\n",
	  REQ_ES "Las suscripciones a esta lista están cerradas; no se ha "
	  "hecho nada.\n" } },
	{ "conf_wait_owner", {
	  REQ_EN "Thank you: your address is confirmed.  An owner of the list "
	  "will now\ndecide on your subscription.\n",
	  REQ_FR "Merci : votre adresse est confirmée. Un propriétaire de la "
	  "liste va\nmaintenant se prononcer sur votre abonnement.\n",
	  REQ_ES "Gracias: su dirección está confirmada. Un propietario de la "
	  "lista\ndecidirá ahora sobre su suscripción.\n" } },

	/* ---- joining and leaving ---- */
	{ "welcome", {
	  "Subject: Welcome to {list}\n\n"
	  "Welcome to the {list} list at {domain}, {address}.\n"
	  "{description}\n\n"
	  "Post by writing to {list}@{domain}.  To leave, send\n"
	  "\"unsubscribe\" to {list}-request@{domain}.\n",
	  "Subject: Bienvenue sur la liste {list}\n\n"
	  "Bienvenue sur la liste {list} de {domain}, {address}.\n"
	  "{description}\n\n"
	  "Pour écrire à la liste, envoyez votre message à {list}@{domain}.\n"
	  "Pour la quitter, envoyez « unsubscribe » à\n"
	  "{list}-request@{domain}.\n",
	  "Subject: Le damos la bienvenida a {list}\n\n"
	  "Le damos la bienvenida a la lista {list} de {domain}, {address}.\n"
	  "{description}\n\n"
	  "Para escribir a la lista, envíe su mensaje a {list}@{domain}.\n"
	  "Para darse de baja, envíe «unsubscribe» a\n"
	  "{list}-request@{domain}.\n" } },
	{ "goodbye", {
	  "Subject: You have left {list}\n\n"
	  "{address} has left the {list} list at {domain}.\n\n"
	  "To join again, send \"subscribe\" to {list}-request@{domain}.\n",
	  "Subject: Vous avez quitté la liste {list}\n\n"
	  "{address} ne fait plus partie de la liste {list} de {domain}.\n\n"
	  "Pour vous réabonner, envoyez « subscribe » à\n"
	  "{list}-request@{domain}.\n",
	  "Subject: Se ha dado de baja de {list}\n\n"
	  "{address} ha dejado la lista {list} de {domain}.\n\n"
	  "Para volver a suscribirse, envíe «subscribe» a\n"
	  "{list}-request@{domain}.\n" } },
	{ "sub_failed", {
	  "Subject: Your subscription to {list} could not be completed\n\n"
	  "The subscription of {address} to the {list} list at {domain}\n"
	  "could not be completed: {why}.\n\n"
	  "Nothing was changed.  " OWNERS_EN,
	  "Subject: Votre abonnement à {list} n’a pas pu aboutir\n\n"
	  "L’abonnement de {address} à la liste {list} de {domain}\n"
	  "n’a pas pu aboutir : {why}.\n\n"
	  "Rien n’a changé. " OWNERS_FR,
	  "Subject: Su suscripción a {list} no se ha podido completar\n\n"
	  "La suscripción de {address} a la lista {list} de {domain}\n"
	  "no se ha podido completar: {why}.\n\n"
	  "No se ha cambiado nada. " OWNERS_ES } },
	{ "why_not_in_network", {
	  "the address is no longer a member of the {network} list, and only "
	  "its members may join {list}",
	  "l’adresse n’est plus membre de la liste {network}, et seuls ses "
	  "membres peuvent rejoindre {list}",
	  "la dirección ya no es miembro de la lista {network}, y solo sus "
	  "miembros pueden unirse a {list}" } },
	{ "why_already_member", {
	  "the address is already a member of the list",
	  "l’adresse est déjà membre de la liste",
	  "la dirección ya es miembro de la lista" } },
	{ "unsub_not_member", {
	  REQ_EN "{address} is not (or no longer) a member of {list}; nothing "
	  "was changed.\n",
	  REQ_FR "{address} n’est pas (ou plus) membre de la liste {list} ; "
	  "rien n’a changé.\n",
	  REQ_ES "{address} no es (o ya no es) miembro de la lista {list}; no "
	  "se ha cambiado nada.\n" } },
	{ "owner_joined", {
	  "Subject: {list}: {address} joined\n\n"
	  "{address} joined the {list} list.\n",
	  "Subject: {list} : {address} a rejoint la liste\n\n"
	  "{address} a rejoint la liste {list}.\n",
	  "Subject: {list}: {address} se ha unido a la lista\n\n"
	  "{address} se ha unido a la lista {list}.\n" } },
	{ "owner_left", {
	  "Subject: {list}: {address} left\n\n"
	  "{address} left the {list} list.\n",
	  "Subject: {list} : {address} a quitté la liste\n\n"
	  "{address} a quitté la liste {list}.\n",
	  "Subject: {list}: {address} ha dejado la lista\n\n"
	  "{address} ha dejado la lista {list}.\n" } },

	/* ---- owners approving subscriptions ---- */
	{ "sub_approve", {
	  "Subject: {list}: approve subscription of {address}?\n\n"
	  "Subscription request for {list}@{domain}\n\n"
	  "{address} asks to join the list and has confirmed\n"
	  "the address.\n\n"
	  "To approve, reply to this message: an empty reply approves.\n"
	  "To refuse, reply with the word \"reject\" as the first word of\n"
	  "your text, optionally followed by a reason.  Replies go to:\n"
	  "{reply_to}\n",
	  "Subject: {list} : accepter l’abonnement de {address} ?\n\n"
	  "Demande d’abonnement à {list}@{domain}\n\n"
	  "{address} demande à rejoindre la liste et a confirmé\n"
	  "son adresse.\n\n"
	  "Pour accepter, répondez à ce message : une réponse vide suffit.\n"
	  "Pour refuser, répondez avec le mot « reject » en premier mot de\n"
	  "votre texte, suivi si vous le souhaitez d’un motif. Les réponses\n"
	  "vont à :\n{reply_to}\n",
	  "Subject: {list}: ¿aprobar la suscripción de {address}?\n\n"
	  "Solicitud de suscripción a {list}@{domain}\n\n"
	  "{address} pide unirse a la lista y ha confirmado\n"
	  "su dirección.\n\n"
	  "Para aprobarla, responda a este mensaje: basta con una respuesta\n"
	  "vacía. Para rechazarla, responda con la palabra «reject» como\n"
	  "primera palabra de su texto, seguida si quiere de un motivo. Las\n"
	  "respuestas van a:\n{reply_to}\n" } },
	{ "sub_approved_mod", {
	  "Subject: {list}: subscription of {address} approved\n\n"
	  "Approved: {address} is now a member of {list}.\n",
	  "Subject: {list} : abonnement de {address} accepté\n\n"
	  "Accepté : {address} est maintenant membre de {list}.\n",
	  "Subject: {list}: suscripción de {address} aprobada\n\n"
	  "Aprobada: {address} ya es miembro de {list}.\n" } },
	{ "sub_failed_mod", {
	  "Subject: {list}: subscription of {address} not completed\n\n"
	  "Approved, but the subscription of {address} to {list} could not\n"
	  "be completed: {why}.  The person was told.\n",
	  "Subject: {list} : abonnement de {address} non abouti\n\n"
	  "Accepté, mais l’abonnement de {address} à {list} n’a pas pu\n"
	  "aboutir : {why}. La personne a été prévenue.\n",
	  "Subject: {list}: suscripción de {address} no completada\n\n"
	  "Aprobada, pero la suscripción de {address} a {list} no se ha\n"
	  "podido completar: {why}. Se ha avisado a la persona.\n" } },
	{ "sub_refused_mod", {
	  "Subject: {list}: subscription of {address} refused\n\n"
	  "Refused: {address} was not subscribed to {list}.\n",
	  "Subject: {list} : abonnement de {address} refusé\n\n"
	  "Refusé : {address} n’a pas été abonné à {list}.\n",
	  "Subject: {list}: suscripción de {address} rechazada\n\n"
	  "Rechazada: {address} no ha sido suscrito a {list}.\n" } },
	{ "sub_decided", {
	  "Subject: {list}: already decided\n\n"
	  "The subscription of {address} was already decided ({state}) by "
	  "{who}.\nNothing more was done.\n",
	  "Subject: {list} : déjà traité\n\n"
	  "L’abonnement de {address} a déjà été traité ({state}) par {who}.\n"
	  "Rien de plus n’a été fait.\n",
	  "Subject: {list}: ya decidido\n\n"
	  "La suscripción de {address} ya fue decidida ({state}) por {who}.\n"
	  "No se ha hecho nada más.\n" } },
	{ "sub_not_owner", {
	  MODREF_EN "Only an owner of the list can approve subscriptions; "
	  "nothing was done.\n",
	  MODREF_FR "Seul un propriétaire de la liste peut accepter les "
	  "abonnements ;\nrien n’a été fait.\n",
	  MODREF_ES "Solo un propietario de la lista puede aprobar "
	  "suscripciones;\nno se ha hecho nada.\n" } },
	{ "sub_refused", {
	  "Subject: Subscription to {list} refused\n\n"
	  "The owners of the {list} list at {domain} refused your\n"
	  "subscription.\n\nTheir reason: {reason}\n",
	  "Subject: Abonnement à {list} refusé\n\n"
	  "Les propriétaires de la liste {list} de {domain} ont refusé\n"
	  "votre abonnement.\n\nLeur motif : {reason}\n",
	  "Subject: Suscripción a {list} rechazada\n\n"
	  "Los propietarios de la lista {list} de {domain} han rechazado\n"
	  "su suscripción.\n\nSu motivo: {reason}\n" } },
	{ "sub_expired", {
	  "Subject: Your request to join {list} has expired\n\n"
	  "Your request to join the {list} list at {domain} with the\n"
	  "address {address} waited {days} days for the list owners and\n"
	  "has expired without a decision.\n\n"
	  "You may ask again by sending the word \"subscribe\" to\n"
	  "{list}-request@{domain}, or write to the owners.\n\n" OWNERS_EN,
	  "Subject: Votre demande d’abonnement à {list} a expiré\n\n"
	  "Votre demande d’abonnement à la liste {list} de {domain} avec\n"
	  "l’adresse {address} a attendu {days} jours les propriétaires de\n"
	  "la liste et a expiré sans décision.\n\n"
	  "Vous pouvez la renouveler en envoyant le mot « subscribe » à\n"
	  "{list}-request@{domain}, ou écrire aux propriétaires.\n\n"
	  OWNERS_FR,
	  "Subject: Su solicitud de suscripción a {list} ha caducado\n\n"
	  "Su solicitud de suscripción a la lista {list} de {domain} con la\n"
	  "dirección {address} esperó {days} días a los propietarios de la\n"
	  "lista y ha caducado sin una decisión.\n\n"
	  "Puede volver a pedirla enviando la palabra «subscribe» a\n"
	  "{list}-request@{domain}, o escribir a los propietarios.\n\n"
	  OWNERS_ES } },
	{ "none_given", {
	  "(none given)", "(aucun motif donné)", "(no se indicó ninguno)" } },

	/* ---- held posts ---- */
	/* why a post is held: the "Reason:" line of the moderators' note
	 * (modnote) in the list's language; English also goes to the log */
	{ "why_site_address", {
	  "From: {from} is an address of this site, not a member's\n",
	  "l’adresse {from} (From:) est une adresse de ce site, pas celle "
	  "d’un membre\n",
	  "la dirección {from} (From:) es de este sitio, no de un miembro\n" } },
	{ "why_not_member", {
	  "sender {from} is not a member\n",
	  "l’expéditeur {from} n’est pas membre\n",
	  "el remitente {from} no es miembro\n" } },
	{ "why_moderated_list", {
	  "the list is moderated\n",
	  "la liste est modérée\n",
	  "la lista está moderada\n" } },
	{ "why_moderated_member", {
	  "the member's posts are moderated\n",
	  "les messages de ce membre sont modérés\n",
	  "los mensajes de este miembro están moderados\n" } },
	{ "why_new_member", {
	  "a new member's post ({n} of the first {max} are held)\n",
	  "message d’un nouveau membre (le n° {n} ; ses {max} premiers "
	  "messages sont retenus)\n",
	  "mensaje de un miembro nuevo (el n.º {n}; sus {max} primeros "
	  "mensajes quedan retenidos)\n" } },
	{ "held", {
	  "Subject: Message to {list} awaits a moderator\n\n"
	  "Your message to {list}@{domain} with the subject\n\"{subject}\"\n"
	  "is waiting for a moderator of the list.  You will hear again\n"
	  "if it is refused or expires; there is nothing you need to do.\n\n"
	  OWNERS_EN,
	  "Subject: Votre message à {list} attend un modérateur\n\n"
	  "Votre message à {list}@{domain} ayant pour objet\n« {subject} »\n"
	  "attend la décision d’un modérateur de la liste. Un nouveau message\n"
	  "vous préviendra s’il est refusé ou s’il expire ; vous n’avez rien\n"
	  "à faire.\n\n" OWNERS_FR,
	  "Subject: Su mensaje a {list} espera a un moderador\n\n"
	  "Su mensaje a {list}@{domain} con el asunto\n«{subject}»\n"
	  "está a la espera de un moderador de la lista. Le avisaremos si\n"
	  "se rechaza o caduca; no tiene que hacer nada.\n\n" OWNERS_ES } },
	{ "modnote", {
	  "Subject: {list}: held post from {from}: {subject}\n\n"
	  "Moderation request for {list}@{domain} (held post #{id})\n\n"
	  "From:    {from_full}\nSubject: {subject}\nReason:  {why}\n"
	  "Size:    {size} bytes\n\nThe text begins:\n{excerpt}\n"
	  "To approve the post, reply to this message: an empty reply\n"
	  "approves.  To refuse it, reply with the word \"reject\" as\n"
	  "the first word of your text, optionally followed by a reason\n"
	  "for the sender.  To drop it without telling the sender, reply\n"
	  "with the word \"discard\".\n\n"
	  "Replies go to:\n{reply_to}\n\n"
	  "The post is attached.  If nobody decides, it expires on\n"
	  "{expires}.  From the command line:\nconfer mod approve {id}\n",
	  "Subject: {list} : message retenu de {from} : {subject}\n\n"
	  "Demande de modération pour {list}@{domain} (message retenu\n"
	  "n° {id})\n\n"
	  "Expéditeur : {from_full}\nObjet :       {subject}\n"
	  "Motif :       {why}\nTaille :      {size} octets\n\n"
	  "Début du texte :\n{excerpt}\n"
	  "Pour accepter le message, répondez à celui-ci : une réponse vide\n"
	  "suffit. Pour le refuser, répondez avec le mot « reject » en\n"
	  "premier mot de votre texte, suivi si vous le souhaitez d’un motif\n"
	  "pour l’expéditeur. Pour le supprimer sans prévenir l’expéditeur,\n"
	  "répondez avec le mot « discard ».\n\n"
	  "Les réponses vont à :\n{reply_to}\n\n"
	  "Le message est joint. Sans décision, il expire le\n"
	  "{expires}. En ligne de commande :\nconfer mod approve {id}\n",
	  "Subject: {list}: mensaje retenido de {from}: {subject}\n\n"
	  "Solicitud de moderación para {list}@{domain} (mensaje retenido\n"
	  "n.º {id})\n\n"
	  "Remitente: {from_full}\nAsunto:    {subject}\nMotivo:    {why}\n"
	  "Tamaño:    {size} bytes\n\nEl texto empieza así:\n{excerpt}\n"
	  "Para aprobar el mensaje, responda a este: basta con una respuesta\n"
	  "vacía. Para rechazarlo, responda con la palabra «reject» como\n"
	  "primera palabra de su texto, seguida si quiere de un motivo para\n"
	  "el remitente. Para descartarlo sin avisar al remitente, responda\n"
	  "con la palabra «discard».\n\n"
	  "Las respuestas van a:\n{reply_to}\n\n"
	  "El mensaje va adjunto. Si nadie decide, caduca el\n"
	  "{expires}. Desde la línea de comandos:\nconfer mod approve {id}\n" } },
	{ "mod_approved", {
	  "Subject: {list}: approved\n\n"
	  "Approved: held post #{id} from {from} (\"{subject}\"); it goes to "
	  "the members of {list}.\n",
	  "Subject: {list} : message accepté\n\n"
	  "Accepté : le message retenu n° {id} de {from} (« {subject} ») "
	  "part aux membres de {list}.\n",
	  "Subject: {list}: mensaje aprobado\n\n"
	  "Aprobado: el mensaje retenido n.º {id} de {from} («{subject}») se "
	  "envía a los miembros de {list}.\n" } },
	{ "mod_rejected", {
	  "Subject: {list}: rejected\n\n"
	  "Rejected: held post #{id} from {from} (\"{subject}\").  The sender "
	  "was told the reason: {reason}\n",
	  "Subject: {list} : message refusé\n\n"
	  "Refusé : le message retenu n° {id} de {from} (« {subject} »). "
	  "L’expéditeur a reçu le motif : {reason}\n",
	  "Subject: {list}: mensaje rechazado\n\n"
	  "Rechazado: el mensaje retenido n.º {id} de {from} («{subject}»). "
	  "Se ha comunicado el motivo al remitente: {reason}\n" } },
	{ "mod_discarded", {
	  "Subject: {list}: discarded\n\n"
	  "Discarded: held post #{id} from {from} (\"{subject}\").  The "
	  "sender was not told.\n",
	  "Subject: {list} : message supprimé\n\n"
	  "Supprimé : le message retenu n° {id} de {from} (« {subject} »). "
	  "L’expéditeur n’a pas été prévenu.\n",
	  "Subject: {list}: mensaje descartado\n\n"
	  "Descartado: el mensaje retenido n.º {id} de {from} («{subject}»). "
	  "No se ha avisado al remitente.\n" } },
	{ "mod_already", {
	  "Subject: {list}: already decided\n\n"
	  "Nothing was done: held post #{id} from {from} (\"{subject}\") was "
	  "already {state} by {who} on {when}.\n",
	  "Subject: {list} : déjà traité\n\n"
	  "Rien n’a été fait : le message retenu n° {id} de {from} "
	  "(« {subject} ») a déjà été {state} par {who} le {when}.\n",
	  "Subject: {list}: ya decidido\n\n"
	  "No se ha hecho nada: el mensaje retenido n.º {id} de {from} "
	  "(«{subject}») ya fue {state} por {who} el {when}.\n" } },
	{ "mod_used", {
	  "Subject: {list}: already decided\n\n"
	  "This moderation address was already used, or its post no longer "
	  "exists;\nnothing was done.\n",
	  "Subject: {list} : déjà traité\n\n"
	  "Cette adresse de modération a déjà servi, ou son message n’existe "
	  "plus ;\nrien n’a été fait.\n",
	  "Subject: {list}: ya decidido\n\n"
	  "Esta dirección de moderación ya se usó, o su mensaje ya no "
	  "existe;\nno se ha hecho nada.\n" } },
	{ "state_approved", { "approved", "accepté", "aprobado" } },
	{ "state_rejected", { "rejected", "refusé", "rechazado" } },
	{ "state_discarded", { "discarded", "supprimé", "descartado" } },
	{ "state_expired", { "expired", "expiré", "caducado" } },
	{ "state_done", { "done", "accepté", "aprobada" } },
	{ "state_refused", { "refused", "refusé", "rechazada" } },
	{ "mod_not_moderator", {
	  MODREF_EN "Only a moderator of {list} can decide on held posts, and "
	  "{address} is not one.\nThe post stays held.\n",
	  MODREF_FR "Seuls les modérateurs de {list} peuvent décider du sort "
	  "des messages retenus,\net {address} n’en fait pas partie.\n"
	  "Le message reste en attente.\n",
	  MODREF_ES "Solo los moderadores de {list} pueden decidir sobre los "
	  "mensajes retenidos,\ny {address} no es uno de ellos.\n"
	  "El mensaje sigue retenido.\n" } },
	{ "mod_bad_token", {
	  MODREF_EN "This moderation address is not valid (unknown, mistyped "
	  "or for another list).\nNothing was done.\n",
	  MODREF_FR "Cette adresse de modération n’est pas valable (inconnue, "
	  "mal recopiée ou d’une\nautre liste). Rien n’a été fait.\n",
	  MODREF_ES "Esta dirección de moderación no es válida (desconocida, "
	  "mal copiada o de otra\nlista). No se ha hecho nada.\n" } },
	{ "mod_expired", {
	  MODREF_EN "This moderation request has expired; nothing was done.\n",
	  MODREF_FR "Cette demande de modération a expiré ; rien n’a été "
	  "fait.\n",
	  MODREF_ES "Esta solicitud de moderación ha caducado; no se ha hecho "
	  "nada.\n" } },
	{ "rejected", {
	  "Subject: Message to {list} rejected\n\n"
	  "Your message to {list}@{domain} with the subject\n\"{subject}\"\n"
	  "was not accepted by the list's moderators.\n\n"
	  "Their reason: {reason}\n\n" OWNERS_EN,
	  "Subject: Votre message à {list} a été refusé\n\n"
	  "Votre message à {list}@{domain} ayant pour objet\n« {subject} »\n"
	  "n’a pas été accepté par les modérateurs de la liste.\n\n"
	  "Leur motif : {reason}\n\n" OWNERS_FR,
	  "Subject: Su mensaje a {list} ha sido rechazado\n\n"
	  "Su mensaje a {list}@{domain} con el asunto\n«{subject}»\n"
	  "no ha sido aceptado por los moderadores de la lista.\n\n"
	  "Su motivo: {reason}\n\n" OWNERS_ES } },
	{ "expired", {
	  "Subject: Message to {list} expired\n\n"
	  "Your message to {list}@{domain} with the subject\n\"{subject}\"\n"
	  "waited for a moderator and has expired; it was not delivered.\n\n"
	  OWNERS_EN,
	  "Subject: Votre message à {list} a expiré\n\n"
	  "Votre message à {list}@{domain} ayant pour objet\n« {subject} »\n"
	  "attendait un modérateur et a expiré ; il n’a pas été distribué.\n\n"
	  OWNERS_FR,
	  "Subject: Su mensaje a {list} ha caducado\n\n"
	  "Su mensaje a {list}@{domain} con el asunto\n«{subject}»\n"
	  "esperaba a un moderador y ha caducado; no se ha distribuido.\n\n"
	  OWNERS_ES } },
	{ "reminder", {
	  "Subject: {list}: posts wait for a moderator\n\n"
	  "These posts to {list}@{domain} wait for a moderator:\n\n{posts}\n"
	  "Each was sent to you with its own address to reply to; you can "
	  "also\nuse `confer mod approve|reject|discard ID` on the server.\n",
	  "Subject: {list} : des messages attendent un modérateur\n\n"
	  "Ces messages envoyés à {list}@{domain} attendent un modérateur :\n\n"
	  "{posts}\n"
	  "Chacun vous a été envoyé avec sa propre adresse de réponse ; vous\n"
	  "pouvez aussi utiliser `confer mod approve|reject|discard ID` sur "
	  "le serveur.\n",
	  "Subject: {list}: hay mensajes esperando a un moderador\n\n"
	  "Estos mensajes enviados a {list}@{domain} esperan a un "
	  "moderador:\n\n{posts}\n"
	  "Cada uno se le envió con su propia dirección de respuesta; también\n"
	  "puede usar `confer mod approve|reject|discard ID` en el servidor.\n" } },

	/* ---- posts refused ---- */
	{ "too_large", {
	  "Subject: Message to {list} not delivered: too large\n\n"
	  "Your message to {list}@{domain} was not delivered: it is {size} "
	  "bytes long, and the list accepts messages of at most {max} "
	  "bytes.\n\nPlease send a shorter message, or share large files by "
	  "a link.\n\n" OWNERS_EN,
	  "Subject: Message à {list} non distribué : trop volumineux\n\n"
	  "Votre message à {list}@{domain} n’a pas été distribué : il fait "
	  "{size} octets, et la liste accepte des messages de {max} octets "
	  "au plus.\n\nEnvoyez un message plus court, ou partagez les "
	  "fichiers volumineux par un lien.\n\n" OWNERS_FR,
	  "Subject: Mensaje a {list} no entregado: demasiado grande\n\n"
	  "Su mensaje a {list}@{domain} no se ha entregado: ocupa {size} "
	  "bytes, y la lista acepta mensajes de {max} bytes como máximo.\n\n"
	  "Envíe un mensaje más corto o comparta los archivos grandes "
	  "mediante un enlace.\n\n" OWNERS_ES } },
	{ "not_member", {
	  "Subject: Message to {list} not delivered: not a member\n\n"
	  "Your message to {list}@{domain} was not delivered, because "
	  "{from} is not a member of the list.  Only members may post.\n\n"
	  "To join, send a message with the word \"subscribe\" to "
	  "{list}-request@{domain}, or ask the list owners at "
	  "{list}-owner@{domain}.\n\n"
	  "If you are a member with another address, please post from that "
	  "address.\n",
	  "Subject: Message à {list} non distribué : vous n’êtes pas membre\n\n"
	  "Votre message à {list}@{domain} n’a pas été distribué, car {from} "
	  "n’est pas membre de la liste. Seuls les membres peuvent y "
	  "écrire.\n\n"
	  "Pour vous abonner, envoyez un message contenant le mot "
	  "« subscribe » à {list}-request@{domain}, ou écrivez aux "
	  "propriétaires de la liste à {list}-owner@{domain}.\n\n"
	  "Si vous êtes membre avec une autre adresse, écrivez depuis "
	  "celle-ci.\n",
	  "Subject: Mensaje a {list} no entregado: no es miembro\n\n"
	  "Su mensaje a {list}@{domain} no se ha entregado porque {from} no "
	  "es miembro de la lista. Solo los miembros pueden escribir en "
	  "ella.\n\n"
	  "Para suscribirse, envíe un mensaje con la palabra «subscribe» a "
	  "{list}-request@{domain}, o escriba a los propietarios de la "
	  "lista en {list}-owner@{domain}.\n\n"
	  "Si es miembro con otra dirección, escriba desde esa dirección.\n" } },
};

static int lang_index(const char *language)
{
	size_t i;

	for (i = 0; language && i < ARRAY_SIZE(langs); i++)
		if (!strcmp(language, langs[i]))
			return (int)i;
	return 0;
}

const char *mailtext_lang(const char *language)
{
	return langs[lang_index(language)];
}

static const struct mt_row *find_row(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

/* Splits "Subject: ...\n\nbody" (the blank line is optional); without
 * a Subject line, *subj_len is 0 and *subj is NULL. */
static const char *split_subject(const char *t, const char **subj,
				 size_t *subj_len)
{
	*subj = NULL;
	*subj_len = 0;
	if (strncmp(t, "Subject:", 8))
		return t;
	t = skip_ws(t + 8);
	*subj = t;
	*subj_len = strcspn(t, "\n");
	t += *subj_len;
	t += *t == '\n';
	return t + (*t == '\n');
}

/* A site's template file, if there is one; '\r' dropped. */
static int site_file(const struct site *site, const char *name,
		     const char *lang, struct buf *out)
{
	struct buf path = BUF_INIT, fname = BUF_INIT;
	size_t i, j;
	int rc;

	if (lang)
		buf_printf(&fname, "mail/%s.%s.txt", name, lang);
	else
		buf_printf(&fname, "mail/%s.txt", name);
	path_join(&path, site->templates_dir, fname.data);
	rc = read_file(path.data, TEMPLATE_MAX, out);
	for (i = j = 0; rc == 0 && i < out->len; i++)
		if (out->data[i] != '\r')
			out->data[j++] = out->data[i];
	if (rc == 0)
		buf_setlen(out, j);
	buf_release(&path);
	buf_release(&fname);
	return rc;
}

static const char *var_value(const struct mt_var *vars,
			     const struct mt_var *std, const char *key,
			     size_t len)
{
	const struct mt_var *v;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (v = pass ? std : vars; v && v->key; v++)
			if (strlen(v->key) == len && !strncmp(v->key, key, len))
				return v->value ? v->value : "";
	return NULL;
}

static size_t placeholder_len(const char *t)
{
	size_t n = 0;

	if (*t != '{')
		return 0;
	while ((t[n + 1] >= 'a' && t[n + 1] <= 'z') || t[n + 1] == '_')
		n++;
	return n && t[n + 1] == '}' ? n : 0;
}

static void fill(const char *t, size_t len, const struct mt_var *vars,
		 const struct mt_var *std, struct buf *out)
{
	const char *end = t + len;

	while (t < end) {
		size_t n = placeholder_len(t);
		const char *v = n && t + n + 2 <= end ?
				var_value(vars, std, t + 1, n) : NULL;
		if (v) {
			buf_adds(out, v);
			t += n + 2;
		} else {
			buf_addc(out, *t++);
		}
	}
}

void mailtext_render(const struct site *site, const struct list_info *li,
		     const char *name, const struct mt_var *vars,
		     struct buf *subject, struct buf *body)
{
	const struct mt_var std[] = {
		{ "list", li->name }, { "domain", site->domain },
		{ "description", li->description }, { "network", NETWORK_LIST },
		{ NULL, NULL } };
	const struct mt_row *row = find_row(name);
	int l = lang_index(li->language);
	struct buf file = BUF_INIT;
	const char *builtin = row ? row->text[l] : "", *text, *s, *bs;
	size_t slen, bslen;

	if (site_file(site, name, langs[l], &file) == 0 ||
	    site_file(site, name, NULL, &file) == 0)
		text = file.data;
	else
		text = builtin;
	text = split_subject(text, &s, &slen);
	split_subject(builtin, &bs, &bslen);
	if (subject) {
		size_t i;
		buf_reset(subject);
		if (s)
			fill(s, slen, vars, std, subject);
		else if (bs)
			fill(bs, bslen, vars, std, subject);
		for (i = 0; i < subject->len; i++)
			if (subject->data[i] == '\n' || subject->data[i] == '\r' ||
			    subject->data[i] == '\t')
				subject->data[i] = ' ';
	}
	fill(text, strlen(text), vars, std, body);
	buf_release(&file);
}

/* The placeholders of t, sorted and without repeats, as "{a}{b}". */
static void placeholders(const char *t, struct buf *out)
{
	const char *seen[32];
	size_t ns = 0, lens[32], i, j;

	for (; *t; t++) {
		size_t n = placeholder_len(t);
		for (i = 0; n && i < ns; i++)
			if (lens[i] == n && !strncmp(seen[i], t + 1, n))
				break;
		if (n && i == ns && ns < ARRAY_SIZE(seen)) {
			seen[ns] = t + 1;
			lens[ns++] = n;
		}
	}
	for (i = 1; i < ns; i++)	/* insertion sort: a handful */
		for (j = i; j > 0; j--) {
			size_t m = lens[j] < lens[j - 1] ? lens[j] : lens[j - 1];
			int c = strncmp(seen[j], seen[j - 1], m);
			const char *ts;
			size_t tl;
			if (c > 0 || (c == 0 && lens[j] >= lens[j - 1]))
				break;
			ts = seen[j], seen[j] = seen[j - 1], seen[j - 1] = ts;
			tl = lens[j], lens[j] = lens[j - 1], lens[j - 1] = tl;
		}
	for (i = 0; i < ns; i++)
		buf_printf(out, "{%.*s}", (int)lens[i], seen[i]);
}

/* A token address must stay whole: alone on its line. */
static int reply_to_alone(const char *t)
{
	const char *p = strstr(t, "{reply_to}");

	return !p || ((p == t || p[-1] == '\n') &&
		      (p[10] == '\n' || p[10] == '\0'));
}

static int check_row(const struct mt_row *r, struct buf *a, struct buf *b,
		     struct buf *report)
{
	size_t l;
	int problems = 0;

	buf_reset(a);
	placeholders(r->text[0], a);
	for (l = 0; l < ARRAY_SIZE(langs); l++) {
		const char *s = r->text[l];
		if (!s || !*s) {
			buf_printf(report, "%s: no template \"%s\"\n", langs[l],
				   r->name);
			problems++;
			continue;
		}
		buf_reset(b);
		placeholders(s, b);
		if (strcmp(a->data, b->data)) {
			buf_printf(report, "%s: \"%s\" has placeholders %s, "
				   "English %s\n", langs[l], r->name, b->data,
				   a->data);
			problems++;
		}
		if (!strncmp(s, "Subject:", 8) !=
		    !strncmp(r->text[0], "Subject:", 8)) {
			buf_printf(report, "%s: \"%s\" differs from English in "
				   "having a Subject line\n", langs[l], r->name);
			problems++;
		}
		if (!reply_to_alone(s)) {
			buf_printf(report, "%s: \"%s\": {reply_to} is not alone "
				   "on its line\n", langs[l], r->name);
			problems++;
		}
	}
	return problems;
}

int mailtext_check(struct buf *report)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t i, j;
	int problems = 0;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		problems += check_row(&rows[i], &a, &b, report);
		for (j = 0; j < i; j++)
			if (!strcmp(rows[i].name, rows[j].name)) {
				buf_printf(report, "template \"%s\" twice\n",
					   rows[i].name);
				problems++;
			}
	}
	buf_release(&a);
	buf_release(&b);
	return problems;
}
