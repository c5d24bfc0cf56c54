import { Config } from '../config/config';
import { StatementSettings } from './model';
import { taxRateOf } from './tax';

/** The documents' company details and tax rate, from COMPANY_NAME, COMPANY_ADDRESS, COMPANY_EMAIL and TAX_RATE_PERCENT. */
export function statementSettingsOf(config: Pick<Config, 'COMPANY_NAME' | 'COMPANY_ADDRESS' | 'COMPANY_EMAIL' | 'TAX_RATE_PERCENT'>): StatementSettings {
  return {
    company: { name: config.COMPANY_NAME, address: config.COMPANY_ADDRESS, email: config.COMPANY_EMAIL },
    taxRate: config.TAX_RATE_PERCENT === undefined ? null : taxRateOf(config.TAX_RATE_PERCENT),
  };
}
