import { defineMessages } from '../../web/i18n.ts';

/**
 * The FAQ's questions on using the portal. Quoted labels (« … ») are the portal's own French
 * buttons and tabs: the English text keeps them so a reader can find them on screen.
 */
export const faqPortalMessages = defineMessages({
  fr: {
    q_account: 'Comment créer un compte ?',
    a_account1:
      'Sur le portail, cliquez sur « Créer un compte » et indiquez votre alias (votre identifiant de connexion), votre nom, votre adresse courriel et le nom de votre structure.',
    a_account2:
      'Vous recevez un courriel contenant un lien pour choisir vous-même votre mot de passe. Nous ne vous envoyons jamais de mot de passe par courriel.',
    q_forgot: "J'ai oublié mon mot de passe ou mon alias",
    a_forgot:
      "Sur la page de connexion, cliquez sur « Mot de passe ou alias oublié ? » et saisissez l'adresse courriel de votre compte. Vous recevez un courriel qui rappelle votre alias et contient un lien, valable peu de temps, pour choisir un nouveau mot de passe.",
    q_org: 'Comment mettre à jour les coordonnées de ma structure ?',
    a_org1:
      'Une fois connecté, ouvrez « Votre compte », onglet « Personne morale » : vous y trouvez les coordonnées de votre structure (nom, adresse, courriel…), que vous pouvez corriger avec le bouton « Modifier ».',
    a_org2: 'Tenez-les à jour : ce sont elles qui figurent sur vos factures.',
    a_org3: "Si l'adresse courriel de la structure diffère de la vôtre, chacun de nos courriels est envoyé aux deux adresses.",
    q_instances: 'Où retrouver mes instances ?',
    a_instances1:
      "Le bouton « Vos instances d'hébergement » affiche la liste de vos instances (vide tant que vous n'en avez commandé aucune) ; le bouton « Nouvelle commande d'hébergement » permet d'en commander une.",
    a_instances2: "Sélectionnez une instance et cliquez sur « Editer » : sa fiche présente son état complet (adresse, forfait, échéance, archives…).",
    a_instances2NoArchives: "Sélectionnez une instance et cliquez sur « Editer » : sa fiche présente son état complet (adresse, forfait, échéance, disponibilité…).",
    q_admin: 'Comment changer le mot de passe « admin » de mon Diacamma ?',
    a_admin1: "Sur la fiche de l'instance, cliquez sur « Mot de passe » et saisissez deux fois le nouveau mot de passe du compte « admin » de Diacamma.",
    a_admin2:
      "Une action d'hébergement est alors programmée ; vous pouvez la suivre dans l'onglet « Vos actions d'hébergement ». Le nouveau mot de passe est actif au bout de quelques minutes.",
    q_archives: 'Comment gérer les archives de mon instance ?',
    a_archives: "La fiche de l'instance mène à ses archives (« Gérer les archives »), avec cinq boutons :",
    delete: 'Supprimer',
    deleteText: "efface une ancienne archive dont vous n'avez plus besoin.",
    archive: 'Archiver',
    archiveText: "crée une nouvelle archive de vos données. Vous lui donnez un nom ; une action est programmée et l'archive est prête quelques minutes plus tard.",
    import: 'Import',
    importText:
      "envoie sur le portail une archive qui se trouve sur votre ordinateur, par exemple celle d'un Diacamma installé en mono-poste. L'archive importée ne change rien à votre instance tant que vous ne l'avez pas restaurée.",
    export: 'Export',
    exportText: 'télécharge une archive sur votre ordinateur.',
    restore: 'Restaurer',
    restoreText:
      "remplace les données de votre instance par celles de l'archive. Les données actuelles sont perdues (une archive de sécurité « avant restauration » est faite d'abord et gardée {keep}) ; vous tapez le nom de l'instance pour confirmer et donnez le mot de passe admin à utiliser ensuite, la connexion restant toujours nécessaire.",
    q_local: "Comment reprendre les données d'un Diacamma installé sur mon ordinateur ?",
    a_local1: "Faites une archive dans votre Diacamma local, puis, sur la fiche de l'instance, envoyez-la avec « Import » et appliquez-la avec « Restaurer ».",
    a_local2:
      "Une archive faite sur un poste local n'est souvent protégée par aucun mot de passe. Votre instance ne reste pourtant jamais ouverte à tous : après la restauration, le portail vous demande de définir le mot de passe admin et impose la connexion.",
    q_invoices: 'Où trouver mes factures ?',
    a_invoices:
      'Le bouton « Vos factures » liste vos devis et vos factures. Vous pouvez y réimprimer n\'importe quel document, consulter les modalités de paiement et régler un devis ou une facture en ligne par PayPal.',
    a_invoicesNoPaypal: 'Le bouton « Vos factures » liste vos devis et vos factures. Vous pouvez y réimprimer n\'importe quel document et consulter les modalités de paiement.',
    daysOne: '{n} jour',
    daysMany: '{n} jours',
    signUp: 'Créer un compte',
    signIn: 'Se connecter',
  },
  en: {
    q_account: 'How do I create an account?',
    a_account1:
      'On the portal, click “Créer un compte” (create an account) and give your alias (your sign-in name), your name, your e-mail address and the name of your organisation.',
    a_account2: 'You receive an e-mail with a link to choose your password yourself. We never send you a password by e-mail.',
    q_forgot: 'I forgot my password or my alias',
    a_forgot:
      'On the sign-in page, click “Mot de passe ou alias oublié ?” (forgotten password or alias) and enter your account’s e-mail address. You receive an e-mail that reminds you of your alias and holds a short-lived link to choose a new password.',
    q_org: 'How do I update my organisation’s details?',
    a_org1:
      'Once signed in, open “Votre compte” (your account), tab “Personne morale” (legal entity): you find your organisation’s details (name, address, e-mail…) and can correct them with the “Modifier” (edit) button.',
    a_org2: 'Keep them up to date: they are the ones printed on your invoices.',
    a_org3: 'If the organisation’s e-mail address differs from yours, every e-mail we send goes to both addresses.',
    q_instances: 'Where do I find my instances?',
    a_instances1:
      'The “Vos instances d\'hébergement” button lists your instances (empty until you order one); the “Nouvelle commande d\'hébergement” button lets you order one.',
    a_instances2: 'Select an instance and click “Editer”: its page shows its full state (address, plan, due date, archives…).',
    a_instances2NoArchives: 'Select an instance and click “Editer”: its page shows its full state (address, plan, due date, availability…).',
    q_admin: 'How do I change the “admin” password of my Diacamma?',
    a_admin1: 'On the instance page, click “Mot de passe” (password) and type the new password of Diacamma’s “admin” account twice.',
    a_admin2:
      'A hosting action is then scheduled; you can follow it in the “Vos actions d\'hébergement” tab (your hosting actions). The new password works after a few minutes.',
    q_archives: 'How do I manage my instance’s archives?',
    a_archives: 'The instance page leads to its archives (“Manage the archives”), with five buttons:',
    delete: 'Supprimer (delete)',
    deleteText: 'removes an old archive you no longer need.',
    archive: 'Archiver (archive)',
    archiveText: 'creates a new archive of your data. You give it a name; an action is scheduled and the archive is ready a few minutes later.',
    import: 'Import',
    importText:
      'uploads to the portal an archive from your computer, for instance one from a single-user Diacamma. The imported archive changes nothing on your instance until you restore it.',
    export: 'Export',
    exportText: 'downloads an archive to your computer.',
    restore: 'Restaurer (restore)',
    restoreText:
      'replaces your instance’s data with the archive’s. The current data is lost (a safety archive “before restore” is made first and kept {keep}); you type the instance’s name to confirm and give the admin password to use afterwards, signing in staying always required.',
    q_local: 'How do I bring over the data of a Diacamma installed on my computer?',
    a_local1: 'Make an archive in your local Diacamma, then, on the instance page, upload it with “Import” and apply it with “Restaurer”.',
    a_local2:
      'An archive made on a local computer is often protected by no password at all. Your instance is still never left open to anyone: after the restore, the portal asks you to set the admin password and makes signing in mandatory.',
    q_invoices: 'Where do I find my invoices?',
    a_invoices:
      'The “Vos factures” button (your invoices) lists your quotes and invoices. There you can reprint any document, see the payment terms and pay a quote or an invoice online with PayPal.',
    a_invoicesNoPaypal: 'The “Vos factures” button (your invoices) lists your quotes and invoices. There you can reprint any document and see the payment terms.',
    daysOne: '{n} day',
    daysMany: '{n} days',
    signUp: 'Create an account',
    signIn: 'Sign in',
  },
});
