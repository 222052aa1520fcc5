/**
 * Reads generated PDFs back with a real PDF text extractor (pdf.js), so tests check what a
 * person would see on the page, not what we meant to draw.
 */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'

async function open(buf: Uint8Array) {
  // pdf.js takes ownership of (and detaches) the buffer it is given: hand it a copy
  return getDocument({ data: new Uint8Array(buf), useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise
}

/** The text of each page, its items joined with single spaces and runs of spaces collapsed. */
export async function pdfText(buf: Uint8Array): Promise<string[]> {
  const pdf = await open(buf)
  try {
    const pages: string[] = []
    for (let i = 1; i <= pdf.numPages; i++) {
      const page = await pdf.getPage(i)
      const content = await page.getTextContent()
      const text = content.items.map((it) => ('str' in it ? it.str : '')).join(' ')
      pages.push(text.replace(/\s+/g, ' ').trim())
    }
    return pages
  } finally {
    await pdf.destroy()
  }
}

export async function pdfPageCount(buf: Uint8Array): Promise<number> {
  const pdf = await open(buf)
  try {
    return pdf.numPages
  } finally {
    await pdf.destroy()
  }
}

/** The document information dictionary (Title, Author, Subject, Keywords…). */
export async function pdfInfo(buf: Uint8Array): Promise<Record<string, unknown>> {
  const pdf = await open(buf)
  try {
    const { info } = await pdf.getMetadata()
    return info as Record<string, unknown>
  } finally {
    await pdf.destroy()
  }
}
