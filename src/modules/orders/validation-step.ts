import { str } from '../../web/forms.ts';
import type { BillingAddressValues } from './order-validation.views.ts';
import type { BillingAddressInput } from './use-cases/validate-order.ts';

/**
 * The validation step's form as posted ("Valider la commande", and a Diamant's "Envoyer la demande
 * de devis"): the values shown back on an error, and what the use case takes.
 */
export function readValidationStep(body: unknown): { billing: BillingAddressValues; acceptTerms: boolean; termsVersionShown: number | null; address: BillingAddressInput } {
  const billing: BillingAddressValues = {
    legal_form: str(body, 'legal_form', 40),
    registration_number: str(body, 'registration_number', 40),
    address: str(body, 'address', 600),
    postcode: str(body, 'postcode', 24),
    city: str(body, 'city', 240),
    country: str(body, 'country', 4),
    accept: str(body, 'accept', 5),
  };
  const version = str(body, 'cgv_version', 8);
  return {
    billing,
    acceptTerms: billing.accept === '1',
    termsVersionShown: /^\d{1,6}$/.test(version) ? Number(version) : null,
    address: { legalForm: billing.legal_form, registrationNumber: billing.registration_number, address: billing.address, postcode: billing.postcode, city: billing.city, country: billing.country },
  };
}
