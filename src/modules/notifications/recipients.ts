/**
 * The one place that decides who receives a customer's e-mail: the person, and the organisation's
 * address too when it is set and differs (case-insensitively). Every customer e-mail goes through it.
 */
export function customerRecipients(person: { email: string }, organisation: { email: string | null } | null): string[] {
  const out = [person.email.trim()];
  const orgEmail = organisation?.email?.trim();
  if (orgEmail && orgEmail.toLowerCase() !== person.email.trim().toLowerCase()) out.push(orgEmail);
  return out;
}
