/**
 * Free text (a video title) as a forensic entry's `reason`, which must be
 * plain text (the social PLAIN_TEXT rule: no control characters but tab and
 * newline, no bidirectional overrides, no markup). The characters it forbids
 * are written as `\uXXXX` escapes, and `<` as `\u003c` where it would open a
 * tag, so the reason still says exactly what the text was; then it is cut to
 * `max` characters.
 */
export function plainText (text: string, max = 1024): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is escaped
  const escaped = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|<(?=[A-Za-z/!?])/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return escaped.length <= max ? escaped : escaped.slice(0, max)
}
