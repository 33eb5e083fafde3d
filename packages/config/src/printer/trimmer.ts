import { ESCAPE } from './tabwriter.ts'

/**
 * Alloy's output filter after the tabwriter: drops trailing blanks and tabs from every line, turns
 * `\f` into `\n`, and removes the ESCAPE markers while copying escaped text (comments) verbatim.
 */
export function trim(text: string): string {
  let out = ''
  let space = ''
  let state: 'space' | 'text' | 'escape' = 'space'
  let textStart = 0
  for (let off = 0; off < text.length; off++) {
    let b = text[off]!
    if (b === '\v') b = '\t'
    switch (state) {
      case 'space':
        if (b === '\t' || b === ' ') {
          space += b
        } else if (b === '\n' || b === '\f') {
          space = ''
          out += '\n'
        } else if (b === ESCAPE) {
          out += space
          state = 'escape'
          textStart = off + 1
        } else {
          out += space
          state = 'text'
          textStart = off
        }
        break
      case 'text':
        if (b === '\t' || b === ' ') {
          out += text.slice(textStart, off)
          state = 'space'
          space = b
        } else if (b === '\n' || b === '\f') {
          out += `${text.slice(textStart, off)}\n`
          state = 'space'
          space = ''
        } else if (b === ESCAPE) {
          out += text.slice(textStart, off)
          state = 'escape'
          textStart = off + 1
        }
        break
      case 'escape':
        if (b === ESCAPE) {
          out += text.slice(textStart, off)
          state = 'space'
          space = ''
        }
        break
    }
  }
  if (state !== 'space') out += text.slice(textStart)
  return out
}
