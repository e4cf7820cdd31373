/**
 * How many parts an SMS is billed as, which is what the platform's SMS budget and the local SMS
 * stand-in's spend limit count. Pure.
 */

/** GSM 03.38's basic character set: a message of only these is sent 7-bit. */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** GSM's extension characters: each takes two of the 7-bit positions. */
const GSM_EXTENDED = '^{}\\[~]|€\f';

/**
 * How many parts an SMS is billed as: 160 GSM-7 positions in one part or 153 per part when
 * concatenated; 70 UCS-2 code units in one part or 67 per part otherwise.
 * https://docs.aws.amazon.com/sms-voice/latest/userguide/sms-limitations-character.html
 */
export function smsParts(text: string): number {
  let septets = 0;
  let gsm = true;
  for (const char of text) {
    if (GSM_BASIC.includes(char)) septets += 1;
    else if (GSM_EXTENDED.includes(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  return text.length <= 70 ? 1 : Math.ceil(text.length / 67);
}
