import { defineMessages } from '../../web/i18n.ts';

/**
 * The FAQ's questions and answers: services, ordering, payment, plan changes and accompaniment.
 * Figures (prices, limits, identity, bank details) are placeholders filled from settings.
 * The portal-usage questions are in faq-portal.messages.ts.
 */
export const faqMessages = defineMessages({
  fr: {
    title: 'Questions fréquentes',
    intro: 'Les réponses aux questions les plus courantes sur nos services et sur le portail. Une autre question ? Écrivez-nous à {email}.',
    toc: 'Sommaire',
    s_company: "L'entreprise",
    s_hosting: "Le service d'hébergement",
    s_order: 'Commander et payer',
    s_change: 'Changer de forfait, renouveler, partir',
    s_support: "L'accompagnement",
    s_portal: 'Utiliser le portail',
    // company
    q_who: 'Qui est {tradeName} ?',
    a_who:
      "{tradeName} est l'entreprise de {owner}. Elle vend deux services autour de Diacamma, le logiciel libre et gratuit de gestion des associations : l'hébergement en ligne de Diacamma, et un accompagnement (support et formation) pour bien l'utiliser.",
    status: 'Forme juridique',
    address: 'Siège',
    siret: 'SIRET',
    email: 'Courriel',
    phone: 'Téléphone',
    // hosting
    q_what: "Que comprend l'hébergement ?",
    a_what1:
      "Nous mettons en ligne pour vous une instance complète de Diacamma, utilisable depuis n'importe quel navigateur connecté à Internet, à l'adresse {address}. Il n'y a rien à installer : vous vous connectez avec vos identifiants Diacamma.",
    a_what2:
      "Notre support porte sur la mise à disposition de l'hébergement : si votre instance est inaccessible ou ne fonctionne pas comme le prévoit votre forfait, nous intervenons.",
    a_what3:
      "L'hébergement ne comprend en revanche aucune aide à l'utilisation de Diacamma (paramétrage, saisie, comptabilité…). Pour cela, voyez l'accompagnement, vendu à part.",
    a_whatTerms: 'Tous les détails figurent dans nos conditions générales de vente.',
    q_plans: 'Quels forfaits proposez-vous ?',
    a_plans:
      "Chaque forfait donne un Diacamma complet, sans aucune fonction bridée. Seuls changent la bande passante, la disponibilité visée, le nombre de connexions simultanées et l'espace de stockage :",
    a_plansSla: "SLA (Service Level Agreement, engagement de niveau de service) : taux de disponibilité de votre instance visé sur l'année.",
    plan: 'Forfait',
    price: 'Prix',
    q_sessions: 'Que veut dire « connexions simultanées » ?',
    a_sessions1:
      "C'est le nombre de personnes connectées en même temps à votre Diacamma, autrement dit de sessions utilisateur ouvertes. Ce n'est pas le nombre de connexions réseau : un navigateur en ouvre plusieurs pour afficher une page, mais une personne ne compte que pour une session.",
    a_sessions2: 'Limite selon le forfait :',
    a_sessions3: "Une fois la limite atteinte, une personne de plus doit attendre qu'une session se libère.",
    q_choose: 'Quel forfait choisir ?',
    a_chooseEntry:
      '{entry} convient aux petites structures dont seules quelques personnes utilisent le logiciel : le débit et les connexions simultanées y sont limités.',
    a_chooseUpper: "{upper} s'adresse aux structures plus importantes qui veulent ouvrir l'accès à leurs données à davantage de personnes.",
    a_chooseDoubt:
      "Dans le doute, commencez par {entry} : si, à l'usage, il ne suffit plus, vous passerez à {upper} en ne payant que la différence, au prorata.",
    a_chooseCustom: "Pour une très grande structure, l'offre {custom} est conçue sur mesure.",
    q_custom: "Qu'est-ce que l'offre {custom} ?",
    a_custom1:
      "{custom} est une offre entièrement personnalisée pour les structures très importantes : bande passante, disponibilité, connexions simultanées et stockage sont fixés avec vous, selon vos besoins.",
    a_custom2:
      "Depuis votre espace, « Nouvelle commande d'hébergement » puis « demander un devis Diamant » : choisissez le nom de l'instance et décrivez vos besoins (nombre d'utilisateurs, volume de données, exigences particulières). Vous recevez un devis sur mesure par courriel ; votre instance est créée, avec ses limites, dès son règlement. Une question avant cela : écrivez-nous à {email}.",
    q_https: 'Les échanges avec mon instance sont-ils chiffrés (HTTPS) ?',
    a_https:
      'Oui. Toutes les instances, quel que soit le forfait ({names}), sont servies en HTTPS : les échanges entre votre navigateur et votre Diacamma sont chiffrés.',
    // ordering and payment
    q_order: 'Comment commander un hébergement ?',
    order1: 'Créez votre compte sur le portail (voir « Comment créer un compte ? ») et connectez-vous.',
    order2: "Dans « Mon espace », cliquez sur « Nouvelle commande d'hébergement ».",
    order3: "Choisissez le forfait et le nom de l'instance. Ce nom devient l'adresse de votre Diacamma : « bidule » donne {bidule}.",
    order4: 'Enregistrez, acceptez les conditions générales de vente (CGV), puis validez la commande.',
    a_orderAfter: "Vous recevez alors par courriel le devis de cette commande, à régler par l'un des moyens décrits ci-dessous.",
    q_pay: 'Comment payer ?',
    a_pay: 'Trois moyens de paiement sont acceptés :',
    a_payTwo: 'Deux moyens de paiement sont acceptés :',
    transfer: 'Virement bancaire',
    holder: 'Titulaire du compte',
    transferHint: 'Indiquez la référence du devis dans le libellé du virement.',
    cheque: 'Chèque',
    payee: "À l'ordre de",
    postTo: 'À envoyer à',
    paypal: 'PayPal',
    paypalText: 'Avec un compte PayPal ou une carte bancaire, grâce au lien de paiement du devis, dans « Vos factures ».',
    q_delay: 'Quand mon instance sera-t-elle en ligne ?',
    a_delay1: "Dès que votre paiement est enregistré, l'instance est créée automatiquement : elle est en ligne quelques minutes plus tard.",
    a_delay2:
      "PayPal est le moyen le plus rapide, car le paiement est confirmé aussitôt. Un virement ou un chèque n'est enregistré qu'à sa réception, ce qui prend quelques jours.",
    a_delay2NoPaypal: "Un virement ou un chèque n'est enregistré qu'à sa réception, ce qui prend quelques jours.",
    // plan changes, renewal, leaving
    q_upgrade: "Puis-je passer du forfait {entry} au forfait {upper} en cours d'année ?",
    a_upgrade: "Oui, à tout moment. Vous ne payez que la différence de prix entre les deux forfaits, au prorata de la durée qui reste jusqu'à l'échéance.",
    a_upgradeExample: "Exemple : à six mois de l'échéance, vous réglez la moitié de la différence, soit {amount}.",
    q_renew: 'Comment se passe le renouvellement ?',
    a_renew:
      "Avant la fin de chaque année d'abonnement, vous recevez par courriel la commande de renouvellement automatique et son devis, puis des rappels tant qu'il n'est pas réglé. Réglez-le comme la première commande : la nouvelle année part de l'échéance, quelle que soit la date du règlement, et votre hébergement continue sans interruption. Sans règlement, l'instance reste accessible pendant un délai de grâce, puis elle est suspendue, ses données conservées ; un règlement la rétablit aussitôt.",
    a_renewDelays: 'Les délais en vigueur : la commande de renouvellement et son devis partent {lead} jours avant l’échéance{reminders} ; {lapse} et ses données sont conservées {retention} jours. Ensuite, une archive finale vérifiée de l’instance reste téléchargeable {finalKeep} jours depuis le portail{name}.',
    a_renewName: ' ; le nom de l’instance supprimée reste réservé {days} jours',
    a_renewReminders: ', puis les rappels {days} jours avant',
    a_renewGrace: 'sans règlement, l’instance reste accessible {grace} jours après l’échéance, puis elle est suspendue',
    a_renewNoGrace: 'sans règlement, l’instance est suspendue le lendemain de l’échéance',
    and: 'et',
    q_downgrade: 'Puis-je revenir du forfait {upper} au forfait {entry} ?',
    a_downgrade:
      "Oui, au moment du renouvellement : sur la page de l'instance, choisissez le forfait {entry} pour le renouvellement, et le devis est refait à son prix. Les données et les archives de l'instance doivent tenir dans le stockage du forfait {entry}. Pour ne pas renouveler du tout : « Annuler la commande automatique ».",
    q_leave: 'Si je pars, que deviennent mes données ?',
    a_leave1:
      "Elles vous appartiennent. Si vous ne renouvelez pas, créez une archive de votre instance et téléchargez-la avant la fin de l'abonnement (voir « Comment gérer les archives de mon instance ? »).",
    a_leave2: "Vous n'êtes pas captif : cette archive se restaure par exemple dans un Diacamma installé sur votre ordinateur, pour continuer à l'utiliser.",
    // accompaniment
    q_supportWhat: "En quoi consiste l'accompagnement ?",
    a_supportWhat:
      "C'est une aide personnalisée pour maîtriser Diacamma, adaptée à votre structure : aide à la configuration, reprise de données venant d'un autre outil, formation des utilisateurs, coups de main ponctuels. Elle est distincte de l'hébergement et fait l'objet d'un devis.",
    q_supportWhere: 'Sur place ou à distance ?',
    a_supportWhere: 'Nous choisissons ensemble la formule qui vous convient :',
    whereSite: "Sur place, dans un lieu qui convient à tous les participants : c'est l'occasion de nombreux exercices pratiques.",
    wherePresentation:
      "À distance, par une présentation : les participants se retrouvent à une adresse web, depuis leur navigateur, et suivent la démonstration en échangeant avec l'animateur. Idéal pour former plusieurs personnes.",
    whereRemote:
      "À distance, par prise de contrôle de votre ordinateur : avant la séance, vous téléchargez un petit outil qui permet à l'animateur, par un accès sécurisé, d'utiliser votre souris et votre clavier sous vos yeux. Idéal pour configurer votre instance ou régler un problème.",
    q_supportLength: 'Combien de temps durent les séances ?',
    a_supportLength1: 'Sur place, nous privilégions des demi-journées ou des journées entières.',
    a_supportLength2:
      "À distance, nous conseillons des séances de 1 à 2 heures : mieux vaut plusieurs rendez-vous espacés, qui laissent le temps d'assimiler, qu'une longue séance où l'attention se perd.",
    q_supportHow: 'Comment demander un accompagnement ?',
    a_supportHow:
      'Décrivez vos difficultés avec Diacamma et vos attentes par le formulaire « Demande information » ou par courriel à {email}. Vous recevez en retour un devis qui détaille les séances conseillées ; une fois le devis accepté, nous établissons ensemble le planning des séances.',
    a_supportHowMail:
      'Décrivez vos difficultés avec Diacamma et vos attentes par courriel à {email}. Vous recevez en retour un devis qui détaille les séances conseillées ; une fois le devis accepté, nous établissons ensemble le planning des séances.',
    supportFormLink: 'Remplir le formulaire « Demande information »',
    q_supportPrice: "Combien coûte l'accompagnement ?",
    a_supportPrice1:
      "Chaque accompagnement étant personnalisé, son prix est fixé par le devis. À titre indicatif, notre tarif standard est de 80 € de l'heure, dégressif selon le volume.",
    a_supportPrice2:
      "S'y ajoutent, selon la nature des séances, des frais annexes : déplacement et hébergement, location de salle ou de matériel de formation, préparation préalable de vos données…",
    a_supportPrice3: 'La proposition initiale peut ensuite être ajustée pour tenir compte de votre budget.',
    q_supportInvoice: "Comment l'accompagnement est-il facturé ?",
    a_supportInvoice1:
      "Le devis précise la facturation : soit un acompte (un pourcentage du devis) à régler dès l'acceptation — la facture d'acompte vous est adressée à sa réception — et le solde à la fin ; soit une seule facture à la fin de l'accompagnement.",
    a_supportInvoice2:
      "La facture de fin reprend les heures réellement réalisées, au tarif du devis, et les frais annexes à leur montant réel : quand il diffère du devis, la ligne le dit. L'acompte déjà facturé est déduit. Elle vous est envoyée par courriel avec son PDF et se retrouve dans « Vos factures ».",
    a_supportInvoice3: "Acompte et solde se règlent par virement, avec la référence indiquée, ou par chèque ; le paiement en ligne n'est pas proposé pour l'accompagnement.",
  },
  en: {
    title: 'Frequently asked questions',
    intro: 'Answers to the most common questions about our services and the portal. Another question? Write to us at {email}.',
    toc: 'Contents',
    s_company: 'The company',
    s_hosting: 'The hosting service',
    s_order: 'Ordering and paying',
    s_change: 'Changing plan, renewing, leaving',
    s_support: 'Accompaniment',
    s_portal: 'Using the portal',
    q_who: 'Who is {tradeName}?',
    a_who:
      '{tradeName} is the business of {owner}. It sells two services around Diacamma, the free and open-source association-management software: online hosting of Diacamma, and accompaniment (support and training) to use it well.',
    status: 'Legal status',
    address: 'Registered address',
    siret: 'SIRET',
    email: 'E-mail',
    phone: 'Phone',
    q_what: 'What does hosting include?',
    a_what1:
      'We put a complete Diacamma instance online for you, usable from any browser connected to the Internet, at {address}. There is nothing to install: you sign in with your Diacamma credentials.',
    a_what2: 'Our support covers the provision of the hosting: if your instance is unreachable or does not work as your plan provides, we step in.',
    a_what3:
      'Hosting does not include any help with using Diacamma (configuration, data entry, accounting…). For that, see accompaniment, sold separately.',
    a_whatTerms: 'All the details are in our terms of sale.',
    q_plans: 'Which plans do you offer?',
    a_plans:
      'Every plan gives a complete Diacamma, with no function held back. Only the bandwidth, the target availability, the number of simultaneous connections and the storage space differ:',
    a_plansSla: 'SLA (Service Level Agreement): the availability of your instance aimed at over the year.',
    plan: 'Plan',
    price: 'Price',
    q_sessions: 'What do “simultaneous connections” mean?',
    a_sessions1:
      'The number of people signed in to your Diacamma at the same time, in other words of open user sessions. It is not the number of network connections: a browser opens several to show a page, but one person counts as one session.',
    a_sessions2: 'Limit per plan:',
    a_sessions3: 'Once the limit is reached, one more person has to wait for a session to end.',
    q_choose: 'Which plan should I choose?',
    a_chooseEntry: '{entry} suits small organisations where only a few people use the software: bandwidth and simultaneous connections are limited.',
    a_chooseUpper: '{upper} is meant for larger organisations that want to open access to their data to more people.',
    a_chooseDoubt: 'If in doubt, start with {entry}: if it turns out not to be enough, you will move to {upper} paying only the prorated difference.',
    a_chooseCustom: 'For a very large organisation, the {custom} offer is tailor-made.',
    q_custom: 'What is the {custom} offer?',
    a_custom1:
      '{custom} is a fully customised offer for very large organisations: bandwidth, availability, simultaneous connections and storage are set with you, to your needs.',
    a_custom2: 'From your space, “New hosting order” then “ask for a Diamant quote”: choose the instance’s name and describe your needs (number of users, data volume, special requirements). You receive a made-to-measure quote by e-mail; your instance is created, with its limits, as soon as it is paid. A question first: write to us at {email}.',
    q_https: 'Are exchanges with my instance encrypted (HTTPS)?',
    a_https: 'Yes. Every instance, whatever the plan ({names}), is served over HTTPS: exchanges between your browser and your Diacamma are encrypted.',
    q_order: 'How do I order hosting?',
    order1: 'Create your account on the portal (see “How do I create an account?”) and sign in.',
    order2: 'In “Mon espace” (my space), click “Nouvelle commande d\'hébergement” (new hosting order).',
    order3: 'Choose the plan and the name of the instance. That name becomes the address of your Diacamma: “bidule” gives {bidule}.',
    order4: 'Save, accept the terms of sale (CGV), then validate the order.',
    a_orderAfter: 'You then receive the quote for this order by e-mail, to be paid by one of the means described below.',
    q_pay: 'How do I pay?',
    a_pay: 'Three means of payment are accepted:',
    a_payTwo: 'Two means of payment are accepted:',
    transfer: 'Bank transfer',
    holder: 'Account holder',
    transferHint: 'Put the quote reference in the transfer’s description.',
    cheque: 'Cheque',
    payee: 'Payable to',
    postTo: 'Send to',
    paypal: 'PayPal',
    paypalText: 'With a PayPal account or a bank card, through the quote’s payment link, in “Vos factures” (your invoices).',
    q_delay: 'When will my instance be online?',
    a_delay1: 'As soon as your payment is recorded, the instance is created automatically: it is online a few minutes later.',
    a_delay2: 'PayPal is the fastest, since the payment is confirmed at once. A transfer or a cheque is only recorded when it arrives, which takes a few days.',
    a_delay2NoPaypal: 'A transfer or a cheque is only recorded when it arrives, which takes a few days.',
    q_upgrade: 'Can I move from the {entry} plan to the {upper} plan during the year?',
    a_upgrade: 'Yes, at any time. You only pay the price difference between the two plans, prorated to the time left until the due date.',
    a_upgradeExample: 'Example: six months before the due date, you pay half the difference, that is {amount}.',
    q_renew: 'How does renewal work?',
    a_renew:
      'Before the end of each subscription year, you receive the automatic renewal order and its quote by e-mail, then reminders while it is unpaid. Pay it like the first order: the new year starts at the end of the current one, whatever the payment date, and your hosting goes on without interruption. Without payment, the instance stays reachable during a grace period, then it is suspended, its data kept; a payment restores it at once.',
    a_renewDelays: 'The delays in force: the renewal order and its quote go out {lead} days before the end{reminders}; {lapse} and its data is kept {retention} days. After that, a verified final archive of the instance stays downloadable {finalKeep} days from the portal{name}.',
    a_renewName: '; the deleted instance’s name stays reserved {days} days',
    a_renewReminders: ', then the reminders {days} days before',
    a_renewGrace: 'without payment, the instance stays reachable {grace} days after the end, then it is suspended',
    a_renewNoGrace: 'without payment, the instance is suspended the day after the end',
    and: 'and',
    q_downgrade: 'Can I go back from the {upper} plan to the {entry} plan?',
    a_downgrade: 'Yes, at renewal: on the instance page, choose the {entry} plan for the renewal, and the quote is made again at its price. The instance’s data and archives must fit in the {entry} plan’s storage. Not to renew at all: “Annuler la commande automatique”.',
    q_leave: 'If I leave, what becomes of my data?',
    a_leave1:
      'It belongs to you. If you do not renew, create an archive of your instance and download it before the end of the subscription (see “How do I manage my instance’s archives?”).',
    a_leave2: 'You are not locked in: that archive can be restored, for instance, into a Diacamma installed on your computer, to keep using it.',
    q_supportWhat: 'What is accompaniment?',
    a_supportWhat:
      'Personalised help to master Diacamma, fitted to your organisation: help with configuration, taking over data from another tool, user training, occasional help. It is separate from hosting and is sold on a quote.',
    q_supportWhere: 'On site or remotely?',
    a_supportWhere: 'We choose together the format that suits you:',
    whereSite: 'On site, at a place convenient for all participants: the occasion for plenty of hands-on practice.',
    wherePresentation:
      'Remotely, through a presentation: participants meet at a web address in their browser and follow the demonstration, talking with the trainer. Ideal to train several people.',
    whereRemote:
      'Remotely, by taking control of your computer: before the session, you download a small tool that lets the trainer, through a secure access, use your mouse and keyboard before your eyes. Ideal to configure your instance or solve a problem.',
    q_supportLength: 'How long are the sessions?',
    a_supportLength1: 'On site, we prefer half days or full days.',
    a_supportLength2:
      'Remotely, we recommend sessions of 1 to 2 hours: several spaced meetings, which leave time to take things in, work better than one long session where attention fades.',
    q_supportHow: 'How do I ask for accompaniment?',
    a_supportHow:
      'Describe your difficulties with Diacamma and your expectations through the “Demande information” form or by e-mail to {email}. You receive in return a quote detailing the recommended sessions; once the quote is accepted, we set up the session schedule together.',
    a_supportHowMail:
      'Describe your difficulties with Diacamma and your expectations by e-mail to {email}. You receive in return a quote detailing the recommended sessions; once the quote is accepted, we set up the session schedule together.',
    supportFormLink: 'Fill in the “Information request” form',
    q_supportPrice: 'How much does accompaniment cost?',
    a_supportPrice1:
      'Since every accompaniment is personalised, its price is set by the quote. As a guide, our standard rate is 80 € per hour, lower for larger volumes.',
    a_supportPrice2:
      'Depending on the sessions, extra costs are added: travel and lodging, room or training-equipment rental, preparing your data beforehand…',
    a_supportPrice3: 'The initial proposal can then be adjusted to fit your budget.',
    q_supportInvoice: 'How is accompaniment invoiced?',
    a_supportInvoice1:
      'The quote states how: either a deposit (a percentage of the quote) to pay on acceptance — the deposit invoice is sent to you on its receipt — and the balance at the end; or a single invoice at the end of the accompaniment.',
    a_supportInvoice2:
      'The final invoice takes the hours actually done, at the quote’s rate, and the extra costs at their real amount: when it differs from the quote, the line says so. The deposit already invoiced is deducted. It is sent to you by e-mail with its PDF and shown in “Your invoices”.',
    a_supportInvoice3: 'Deposit and balance are paid by bank transfer, with the reference given, or by cheque; online payment is not offered for accompaniment.',
  },
});
