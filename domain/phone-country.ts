/**
 * The country an E.164 phone number belongs to, as ISO 3166-1 alpha-2, for the SMS allow-list.
 *
 * SMS pumping fraud lives in the gaps of such a mapping, so where a calling code is shared the
 * mapping goes deeper or refuses: `+1` is split by area code (Jamaica's `+1 876` is not the United
 * States), Kazakhstan's `+76`/`+77` is not Russia, and numbers that belong to no country (NANP
 * toll-free and premium codes such as `+1 900`, satellite and international networks `+881`,
 * `+882`, `+883`, `+870`, international freephone and premium `+800`, `+808`, `+979`) have none,
 * so no allow-list can let them through. Crown dependencies (`+44`), the Vatican (`+39`), Svalbard
 * (`+47`), Christmas and Cocos Islands (`+61`), Mayotte (`+262`), Saint Barthélemy and Saint
 * Martin (`+590`), the Caribbean Netherlands (`+599`), Western Sahara (`+212`) and Åland (`+358`)
 * share their neighbour's numbering and count as that country.
 *
 * Written for APPSYNC_JS as well as Node (the preferences resolver imports it): plain objects and
 * string slices, no regular expressions, no loops but array methods.
 * Source: ITU-T E.164 assigned country codes (list of 2016 with later amendments) and the NANPA
 * area code assignments for the non-US members of the North American Numbering Plan.
 */

/** Calling codes (without `+`) of one, two or three digits, to the country they belong to. */
// prettier-ignore
const CALLING_CODES: Record<string, string> = {
  // Zone 2: Africa and some Atlantic islands.
  '20': 'EG', '211': 'SS', '212': 'MA', '213': 'DZ', '216': 'TN', '218': 'LY', '220': 'GM',
  '221': 'SN', '222': 'MR', '223': 'ML', '224': 'GN', '225': 'CI', '226': 'BF', '227': 'NE',
  '228': 'TG', '229': 'BJ', '230': 'MU', '231': 'LR', '232': 'SL', '233': 'GH', '234': 'NG',
  '235': 'TD', '236': 'CF', '237': 'CM', '238': 'CV', '239': 'ST', '240': 'GQ', '241': 'GA',
  '242': 'CG', '243': 'CD', '244': 'AO', '245': 'GW', '246': 'IO', '248': 'SC', '249': 'SD',
  '250': 'RW', '251': 'ET', '252': 'SO', '253': 'DJ', '254': 'KE', '255': 'TZ', '256': 'UG',
  '257': 'BI', '258': 'MZ', '260': 'ZM', '261': 'MG', '262': 'RE', '263': 'ZW', '264': 'NA',
  '265': 'MW', '266': 'LS', '267': 'BW', '268': 'SZ', '269': 'KM', '27': 'ZA', '290': 'SH',
  '291': 'ER', '297': 'AW', '298': 'FO', '299': 'GL',
  // Zones 3 and 4: Europe.
  '30': 'GR', '31': 'NL', '32': 'BE', '33': 'FR', '34': 'ES', '350': 'GI', '351': 'PT',
  '352': 'LU', '353': 'IE', '354': 'IS', '355': 'AL', '356': 'MT', '357': 'CY', '358': 'FI',
  '359': 'BG', '36': 'HU', '370': 'LT', '371': 'LV', '372': 'EE', '373': 'MD', '374': 'AM',
  '375': 'BY', '376': 'AD', '377': 'MC', '378': 'SM', '380': 'UA', '381': 'RS', '382': 'ME',
  '385': 'HR', '386': 'SI', '387': 'BA', '389': 'MK', '39': 'IT', '40': 'RO', '41': 'CH',
  '420': 'CZ', '421': 'SK', '423': 'LI', '43': 'AT', '44': 'GB', '45': 'DK', '46': 'SE',
  '47': 'NO', '48': 'PL', '49': 'DE',
  // Zone 5: South and Central America.
  '500': 'FK', '501': 'BZ', '502': 'GT', '503': 'SV', '504': 'HN', '505': 'NI', '506': 'CR',
  '507': 'PA', '508': 'PM', '509': 'HT', '51': 'PE', '52': 'MX', '53': 'CU', '54': 'AR',
  '55': 'BR', '56': 'CL', '57': 'CO', '58': 'VE', '590': 'GP', '591': 'BO', '592': 'GY',
  '593': 'EC', '594': 'GF', '595': 'PY', '596': 'MQ', '597': 'SR', '598': 'UY', '599': 'CW',
  // Zone 6: Southeast Asia and Oceania.
  '60': 'MY', '61': 'AU', '62': 'ID', '63': 'PH', '64': 'NZ', '65': 'SG', '66': 'TH',
  '670': 'TL', '672': 'NF', '673': 'BN', '674': 'NR', '675': 'PG', '676': 'TO', '677': 'SB',
  '678': 'VU', '679': 'FJ', '680': 'PW', '681': 'WF', '682': 'CK', '683': 'NU', '685': 'WS',
  '686': 'KI', '687': 'NC', '688': 'TV', '689': 'PF', '690': 'TK', '691': 'FM', '692': 'MH',
  // Zone 7: Russia, with Kazakhstan's ranges below.
  '7': 'RU',
  // Zone 8: East Asia (880-883 are satellite and international networks: none here).
  '81': 'JP', '82': 'KR', '84': 'VN', '850': 'KP', '852': 'HK', '853': 'MO', '855': 'KH',
  '856': 'LA', '86': 'CN', '880': 'BD', '886': 'TW',
  // Zone 9: West, Central and South Asia and the Middle East.
  '90': 'TR', '91': 'IN', '92': 'PK', '93': 'AF', '94': 'LK', '95': 'MM', '960': 'MV',
  '961': 'LB', '962': 'JO', '963': 'SY', '964': 'IQ', '965': 'KW', '966': 'SA', '967': 'YE',
  '968': 'OM', '970': 'PS', '971': 'AE', '972': 'IL', '973': 'BH', '974': 'QA', '975': 'BT',
  '976': 'MN', '977': 'NP', '98': 'IR', '992': 'TJ', '993': 'TM', '994': 'AZ', '995': 'GE',
  '996': 'KG', '998': 'UZ',
};

/** Ranges inside a shared calling code that belong to another country. */
// prettier-ignore
const SUB_RANGES: Record<string, string> = {
  '76': 'KZ',
  '77': 'KZ',
};

/**
 * NANP (`+1`) area codes that are not the United States: Canada, the Caribbean members and the
 * US territories with their own ISO codes. Every other geographic area code is the US.
 */
// prettier-ignore
const NANP_AREAS: Record<string, string> = {
  // Canada.
  '204': 'CA', '226': 'CA', '236': 'CA', '249': 'CA', '250': 'CA', '257': 'CA', '263': 'CA',
  '289': 'CA', '306': 'CA', '343': 'CA', '354': 'CA', '365': 'CA', '367': 'CA', '368': 'CA',
  '382': 'CA', '387': 'CA', '403': 'CA', '416': 'CA', '418': 'CA', '428': 'CA', '431': 'CA',
  '437': 'CA', '438': 'CA', '450': 'CA', '460': 'CA', '468': 'CA', '474': 'CA', '506': 'CA',
  '514': 'CA', '519': 'CA', '548': 'CA', '579': 'CA', '581': 'CA', '584': 'CA', '587': 'CA',
  '604': 'CA', '613': 'CA', '639': 'CA', '647': 'CA', '672': 'CA', '683': 'CA', '705': 'CA',
  '709': 'CA', '742': 'CA', '753': 'CA', '778': 'CA', '780': 'CA', '782': 'CA', '807': 'CA',
  '819': 'CA', '825': 'CA', '867': 'CA', '873': 'CA', '879': 'CA', '902': 'CA', '905': 'CA',
  '942': 'CA',
  // The Caribbean and Atlantic members.
  '242': 'BS', '246': 'BB', '264': 'AI', '268': 'AG', '284': 'VG', '345': 'KY', '441': 'BM',
  '473': 'GD', '649': 'TC', '658': 'JM', '876': 'JM', '664': 'MS', '721': 'SX', '758': 'LC',
  '767': 'DM', '784': 'VC', '809': 'DO', '829': 'DO', '849': 'DO', '868': 'TT', '869': 'KN',
  // US territories with ISO codes of their own.
  '340': 'VI', '670': 'MP', '671': 'GU', '684': 'AS', '787': 'PR', '939': 'PR',
};

/**
 * NANP codes that are no place: toll-free, premium (900), personal communications (5XX), Canada's
 * and the US's non-geographic services (600, 700, 710) and codes reserved for expansion (N9X, 37X,
 * 96X). A number there has no country, so it is never in an allow-list.
 */
// prettier-ignore
const NANP_NON_GEOGRAPHIC: Record<string, true> = {
  '500': true, '521': true, '522': true, '523': true, '524': true, '525': true, '526': true,
  '527': true, '528': true, '529': true, '532': true, '533': true, '535': true, '538': true,
  '542': true, '543': true, '544': true, '545': true, '546': true, '547': true, '549': true,
  '550': true, '552': true, '553': true, '554': true, '556': true, '558': true, '566': true,
  '569': true, '577': true, '578': true, '588': true, '589': true, '600': true, '622': true,
  '633': true, '644': true, '655': true, '677': true, '688': true, '700': true, '710': true,
  '800': true, '833': true, '844': true, '855': true, '866': true, '877': true, '888': true,
  '900': true, '370': true, '371': true, '372': true, '373': true, '374': true, '375': true,
  '376': true, '377': true, '378': true, '379': true, '960': true, '961': true, '962': true,
  '963': true, '964': true, '965': true, '966': true, '967': true, '968': true, '969': true,
};

const DIGITS = '0123456789';

function allDigits(text: string): boolean {
  return text.split('').every((char) => DIGITS.indexOf(char) >= 0);
}

/** The country of a NANP number's area code (`+1` then three digits), or null for no place. */
function nanpCountry(national: string): string | null {
  const area = national.slice(0, 3);
  // A NANP area code is [2-9][0-8][0-9]; the national number is ten digits.
  if (national.length !== 10 || area.slice(0, 1) === '0' || area.slice(0, 1) === '1') {
    return null;
  }
  if (area.slice(1, 3) === '11' || NANP_NON_GEOGRAPHIC[area] === true) {
    return null;
  }
  const other = NANP_AREAS[area];
  return other ? other : 'US';
}

/**
 * The ISO 3166-1 alpha-2 country of an E.164 number (`+4915123456789` -> `DE`), or null when the
 * text is not E.164 or the number belongs to no country. Calling codes are a prefix code, so at
 * most one of the one-, two- and three-digit prefixes is assigned.
 */
export function phoneCountry(phone: string): string | null {
  if (
    typeof phone !== 'string' ||
    phone.slice(0, 1) !== '+' ||
    phone.length < 9 ||
    phone.length > 16 ||
    !allDigits(phone.slice(1)) ||
    phone.slice(1, 2) === '0'
  ) {
    return null;
  }
  const digits = phone.slice(1);
  if (digits.slice(0, 1) === '1') {
    return nanpCountry(digits.slice(1));
  }
  const sub = SUB_RANGES[digits.slice(0, 2)];
  if (sub) {
    return sub;
  }
  const found = [1, 2, 3]
    .map((length) => CALLING_CODES[digits.slice(0, length)])
    .filter((country): country is string => typeof country === 'string');
  const country = found[0];
  return country === undefined ? null : country;
}

/** Every country {@link phoneCountry} can answer, sorted: what a protect configuration lists. */
export function phoneCountries(): string[] {
  const all = Object.keys(CALLING_CODES)
    .map((code) => CALLING_CODES[code])
    .concat(Object.keys(SUB_RANGES).map((code) => SUB_RANGES[code]))
    .concat(Object.keys(NANP_AREAS).map((code) => NANP_AREAS[code]))
    .concat(['US'])
    .filter((country): country is string => typeof country === 'string');
  return all.filter((country, index) => all.indexOf(country) === index).sort();
}
