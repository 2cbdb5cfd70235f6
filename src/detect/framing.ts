/**
 * Framing and topic: the two halves of a paraphrased jailbreak. An ordinary harmful request
 * (label 0 in our data: the detector targets technique, not topic) wrapped in an ordinary
 * creative, role-play, hypothetical or research framing (benign alone) is an attack; neither
 * half is. A linear model over n-grams adds evidence and cannot say "both", so the analyser
 * gives it the conjunction as a feature of its own (`x:frame+harm`), next to each half,
 * and training decides what each is worth. English cues only, for now: other languages
 * still have their n-grams.
 */

/** A frame that puts the request in someone else's mouth or in an imagined world. */
const FRAME =
  /\b(?:fiction(?:al)?|story|stories|novel|screenplay|script|narrative|chapter|plot|character|protagonist|villain|role-?play(?:ing)?|act(?:ing)? as|play(?:ing)? the role|pretend(?:ing)?|imagine|imagining|hypothetical(?:ly)?|thought experiment|scenario|alternate (?:universe|reality|world)|dystopi(?:a|an)|in a world where|game|author|writer|researcher|research(?:ing)? purposes?|academic|educational purposes?|for a (?:class|course|paper|study|thesis|documentary)|historian|journalist|as an? (?:expert|professor|scientist|chemist|hacker|detective))\b/;

/** A topic a safety policy refuses: weapons, drugs, malware, violence, fraud, abuse. */
const HARM =
  /\b(?:bombs?|explosives?|detonat\w*|weapons?|firearms?|guns?|ammunition|bioweapons?|nerve agents?|sarin|anthrax|ricin|toxins?|poison(?:s|ing)?|meth(?:amphetamine)?|cocaine|heroin|fentanyl|drugs?|narcotics|synthesi[sz]e|kill(?:ing)?|murder\w*|assassinat\w*|suicide|self-harm|torture|kidnap\w*|traffick\w*|terroris\w*|extremis\w*|genocide|hack(?:ing|ed)?|malware|ransomware|keylogger|virus(?:es)?|exploits?|phishing|ddos|steal(?:ing)?|theft|shoplift\w*|launder\w*|counterfeit\w*|fraud\w*|scams?|forg(?:e|ery|ed)|bypass(?:ing)? security|untraceable|stalk\w*|harass\w*|dox\w*|blackmail\w*|racist|slurs?|hate speech|propaganda|misinformation|disinformation|conspiracy|explicit|pornograph\w*|sexual(?:ly)?|minors?|illegal(?:ly)?)\b/;

/** The framing extras of one window's normal form (lower case, spaces folded). */
export function framingExtras(normalized: string, out: string[]): void {
  const frame = FRAME.test(normalized);
  const harm = HARM.test(normalized);
  if (frame) out.push("x:frame");
  if (harm) out.push("x:harm");
  if (frame && harm) out.push("x:frame+harm");
}
