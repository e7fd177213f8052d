/**
 * The human-readable part of an evidence bundle (docs/specs/forensics.md
 * #evidence-bundle): what happened, when and by whom, the signed checkpoint,
 * and how to check it all. HTML escapes every field (titles and reasons are
 * free text); the PDF (pdf-lib, standard fonts) shows the same, with
 * characters its WinAnsi fonts cannot draw replaced by `?` — the HTML and
 * the entries themselves keep the exact text.
 */
import { PDFDocument, type PDFFont, type PDFPage, StandardFonts } from 'pdf-lib'
import type { EntryView } from './index.js'

/** The report shows entries as the CLI and REST API do. */
export type ReportEntry = EntryView

export interface ReportInput {
  origin: string
  vkey: string
  from: number
  to: number
  /** The signed checkpoint: size, base64 root, the note text with its signature lines. */
  size: number
  root: string
  note: string
  /** Cosigner names whose lines are on the note and whose vkeys the bundle lists. */
  witnesses: string[]
  created: number
  entries: ReportEntry[]
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' }
/** Text for HTML element content and quoted attributes. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => HTML_ESCAPES[c] as string)
}

const isoTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')

function verifyHelp (r: ReportInput): string[] {
  return [
    'With MHC, offline, on any machine: mhc forensics verify BUNDLE.car (exit 0: intact; exit 1 names the first bad entry and why).',
    'By hand, with standard tools:',
    '1. The file is a CARv1 (ipld.io/specs/transport/car). List and extract its blocks with any CAR tool (e.g. `car ls`, `car get-block`, or `ipfs dag import`); every block must hash (SHA-256) to its CID.',
    '2. The root block (dag-cbor) is the index: origin, verifier key, witnesses\' verifier keys, the checkpoint block, and per entry its block and its RFC 9162 inclusion proof.',
    '3. Each entry block is a signed envelope (dag-cbor) whose payload is the entry as JSON. Its leaf hash is SHA-256(0x00 || block bytes): `(printf \'\\0\'; cat entry.bin) | sha256sum` prints it in hex; the leaf hash column of the entry table gives it in base64 (`echo HASH | base64 -d | xxd -p` shows it in hex).',
    `4. The checkpoint is a C2SP signed note; any signed-note / tlog-checkpoint verifier (e.g. Go's golang.org/x/mod/sumdb/note) checks it with the verifier key ${r.vkey}.`,
    `5. Each inclusion proof (RFC 9162 section 2.1.3.2) leads from an entry's leaf hash to the checkpoint's root ${r.root} at size ${r.size}.`,
    '6. Witness cosignatures follow C2SP tlog-cosignature (Ed25519, type 0x04) over "cosignature/v1\\ntime <ts>\\n" + the checkpoint text.'
  ]
}

/** The report as a standalone HTML page (no scripts, no external resources). */
export function reportHtml (r: ReportInput): string {
  const e = escapeHtml
  const rows = r.entries.map(x => `<tr><td>${x.index}</td><td>${e(isoTime(x.ts))}</td><td>${e(x.type)}</td><td><code>${e(x.actor)}</code></td><td><code>${e(x.subject)}</code></td><td>${e(x.reason)}</td><td><code>${e(x.hash)}</code></td></tr>`).join('\n')
  const help = verifyHelp(r)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Forensic log evidence: entries ${r.from} to ${r.to - 1}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;line-height:1.4}table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #999;padding:.25rem .4rem;vertical-align:top;text-align:left}code,pre{font-size:.8rem;word-break:break-all;white-space:pre-wrap}</style>
</head>
<body>
<h1>Forensic log evidence</h1>
<p>This bundle holds ${r.entries.length} entr${r.entries.length === 1 ? 'y' : 'ies'} (index ${r.from} to ${r.to - 1}) of the forensic log <code>${e(r.origin)}</code>,
each signed by the log's key, with an inclusion proof against the checkpoint of size ${r.size} signed by the log${r.witnesses.length > 0 ? ` and cosigned by ${r.witnesses.map(w => `<code>${e(w)}</code>`).join(', ')}` : ''}.
Made ${e(isoTime(r.created))}.</p>
<h2>What happened</h2>
<table>
<thead><tr><th scope="col">Index</th><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Actor (key)</th><th scope="col">Subject</th><th scope="col">Reason</th><th scope="col">Leaf hash</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>The signed checkpoint</h2>
<p>Log verifier key: <code>${e(r.vkey)}</code></p>
<pre>${e(r.note)}</pre>
<h2>How to verify</h2>
<ul>
${help.map(l => `<li>${e(l)}</li>`).join('\n')}
</ul>
<p>This report is a reading aid: the evidence is the signed entries, the proofs and the checkpoint in the bundle.</p>
</body>
</html>
`
}

// PDF

const A4: [number, number] = [595.28, 841.89]
const MARGIN = 40

/** What the standard fonts' WinAnsi encoding can draw: printable ASCII and Latin-1. */
function pdfText (text: string): string {
  return text.replace(/[^\u0020-\u007e\u00a0-\u00ff]/g, '?')
}

class Writer {
  private page!: PDFPage
  private y = 0
  constructor (private readonly doc: PDFDocument, private readonly fonts: { text: PDFFont, bold: PDFFont, mono: PDFFont }) {
    this.newPage()
  }

  private newPage (): void {
    this.page = this.doc.addPage(A4)
    this.y = A4[1] - MARGIN
  }

  /** Wrap `text` to the page width in `font` at `size`, breaking long words (keys, hashes) anywhere. */
  lines (text: string, font: PDFFont, size: number, indent = 0): string[] {
    const width = A4[0] - 2 * MARGIN - indent
    const out: string[] = []
    for (const para of text.replace(/\t/g, ' ').split(/\r?\n/).map(pdfText)) {
      let line = ''
      for (const word of para.split(' ')) {
        let w = word
        const candidate = line === '' ? w : `${line} ${w}`
        if (font.widthOfTextAtSize(candidate, size) <= width) {
          line = candidate
          continue
        }
        if (line !== '') out.push(line)
        line = ''
        while (font.widthOfTextAtSize(w, size) > width) {
          let n = w.length
          while (n > 1 && font.widthOfTextAtSize(w.slice(0, n), size) > width) n = Math.floor(n * 0.9)
          out.push(w.slice(0, n))
          w = w.slice(n)
        }
        line = w
      }
      out.push(line)
    }
    return out
  }

  write (text: string, opts: { font?: PDFFont, size?: number, indent?: number, gap?: number } = {}): void {
    const font = opts.font ?? this.fonts.text
    const size = opts.size ?? 10
    const indent = opts.indent ?? 0
    for (const line of this.lines(text, font, size, indent)) {
      if (this.y - size < MARGIN) this.newPage()
      this.y -= size * 1.25
      if (line !== '') this.page.drawText(line, { x: MARGIN + indent, y: this.y, size, font })
    }
    this.y -= opts.gap ?? 0
  }
}

/** The report as a PDF (A4): the same content as the HTML. */
export async function reportPdf (r: ReportInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create()
  doc.setTitle(`Forensic log evidence: entries ${r.from} to ${r.to - 1}`)
  doc.setSubject(pdfText(r.origin))
  doc.setCreator('MHC mhc forensics export')
  doc.setCreationDate(new Date(r.created))
  doc.setModificationDate(new Date(r.created))
  const fonts = { text: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold), mono: await doc.embedFont(StandardFonts.Courier) }
  const w = new Writer(doc, fonts)
  w.write('Forensic log evidence', { font: fonts.bold, size: 18, gap: 6 })
  w.write(`This bundle holds ${r.entries.length} entries (index ${r.from} to ${r.to - 1}) of the forensic log ${r.origin}, each signed by the log's key, with an inclusion proof against the checkpoint of size ${r.size} signed by the log${r.witnesses.length > 0 ? ` and cosigned by ${r.witnesses.join(', ')}` : ''}. Made ${isoTime(r.created)}.`, { gap: 8 })
  w.write('What happened', { font: fonts.bold, size: 13, gap: 4 })
  for (const x of r.entries) {
    w.write(`#${x.index}  ${isoTime(x.ts)}  ${x.type}`, { font: fonts.bold, size: 9 })
    w.write(`actor ${x.actor}   subject ${x.subject}`, { font: fonts.mono, size: 7, indent: 10 })
    if (x.reason !== '') w.write(`reason: ${x.reason}`, { size: 8, indent: 10 })
    w.write(`leaf hash ${x.hash}`, { font: fonts.mono, size: 7, indent: 10, gap: 3 })
  }
  w.write('The signed checkpoint', { font: fonts.bold, size: 13, gap: 4 })
  w.write(`Log verifier key: ${r.vkey}`, { font: fonts.mono, size: 7, gap: 4 })
  w.write(r.note.replace(/\u2014/g, '-'), { font: fonts.mono, size: 7, gap: 8 })
  w.write('How to verify', { font: fonts.bold, size: 13, gap: 4 })
  for (const l of verifyHelp(r)) w.write(l, { size: 9, gap: 2 })
  w.write('This report is a reading aid: the evidence is the signed entries, the proofs and the checkpoint in the bundle.', { size: 9 })
  return await doc.save({ useObjectStreams: true })
}
