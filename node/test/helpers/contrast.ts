/**
 * WCAG 2.x contrast, measured in the page: every visible element with text
 * of its own (or a form control's value), its computed text colour against
 * its effective background (the element's and its ancestors' background
 * colours, composited up to the first opaque one, over white if none is),
 * with the text's alpha and the elements' opacity blended in. Large text
 * (≥ 24 px, or ≥ 18.66 px and bold) needs 3:1, other text 4.5:1
 * (https://www.w3.org/TR/WCAG22/#contrast-minimum). Disabled controls are
 * exempt, as WCAG says. Text over an image or video is not judged here.
 */
import type { Page } from 'playwright-core'

export interface ContrastFailure {
  text: string
  /** tag#id.class of the element. */
  where: string
  color: string
  background: string
  ratio: number
  needs: number
}

/** Runs in the page (self-contained: playwright sends its source). */
function audit (): ContrastAudit {
  type Rgba = [number, number, number, number]
  const parse = (c: string): Rgba | undefined => {
    const m = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(c)
    return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])]
  }
  /** `top` composited over the opaque `under`. */
  const over = (top: Rgba, under: Rgba): Rgba => [top[0] * top[3] + under[0] * (1 - top[3]), top[1] * top[3] + under[1] * (1 - top[3]), top[2] * top[3] + under[2] * (1 - top[3]), 1]
  const channel = (v: number): number => { const s = v / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4 }
  const luminance = (c: Rgba): number => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2])
  const ratio = (a: Rgba, b: Rgba): number => { const [x, y] = [luminance(a), luminance(b)]; return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05) }
  const fmt = (c: Rgba): string => `rgb(${c.slice(0, 3).map(Math.round).join(', ')})`

  /** The opaque colour behind `el`, or undefined when an image or video is behind it. */
  const background = (el: Element): Rgba | undefined => {
    const layers: Rgba[] = []
    for (let e: Element | null = el; e !== null; e = e.parentElement) {
      const s = getComputedStyle(e)
      if (s.backgroundImage !== 'none' || e instanceof HTMLVideoElement || e instanceof HTMLImageElement) return undefined
      const c = parse(s.backgroundColor)
      if (c === undefined || c[3] === 0) continue
      layers.push(c)
      if (c[3] === 1) break
    }
    let acc: Rgba = [255, 255, 255, 1]
    for (const layer of layers.reverse()) acc = over(layer, acc)
    return acc
  }
  const opacity = (el: Element): number => {
    let o = 1
    for (let e: Element | null = el; e !== null; e = e.parentElement) o *= Number(getComputedStyle(e).opacity)
    return o
  }
  const ownText = (el: Element): string => {
    if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) return el.value
    if (el instanceof HTMLSelectElement) return el.selectedOptions[0]?.text ?? ''
    return Array.from(el.childNodes).filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent ?? '').join('').trim()
  }
  const where = (el: Element): string => `${el.tagName.toLowerCase()}${el.id === '' ? '' : `#${el.id}`}${Array.from(el.classList).map(c => `.${c}`).join('')}`

  const failures: ContrastFailure[] = []
  let checked = 0
  let lowest = { ratio: 21, where: '' }
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    if (el instanceof HTMLOptionElement || el instanceof HTMLScriptElement || el instanceof HTMLStyleElement) continue
    const text = ownText(el)
    if (text.trim() === '') continue
    if (el.closest(':disabled, [aria-disabled="true"]') !== null) continue
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue
    const box = el.getBoundingClientRect()
    if (box.width === 0 || box.height === 0) continue
    const s = getComputedStyle(el)
    const bg = background(el)
    const fg = parse(s.color)
    if (bg === undefined || fg === undefined) continue
    const shown = over([fg[0], fg[1], fg[2], fg[3] * opacity(el)], bg)
    const size = Number.parseFloat(s.fontSize)
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700)
    const needs = large ? 3 : 4.5
    const r = ratio(shown, bg)
    checked++
    if (r / needs < lowest.ratio / 4.5) lowest = { ratio: Math.round(r * 100) / 100, where: `${where(el)} "${text.slice(0, 20)}"` }
    if (r < needs) failures.push({ text: text.slice(0, 40), where: where(el), color: fmt(shown), background: fmt(bg), ratio: Math.round(r * 100) / 100, needs })
  }
  return { failures, checked, lowest }
}

export interface ContrastAudit {
  failures: ContrastFailure[]
  /** Elements whose text was measured. */
  checked: number
  /** The text closest to its limit. */
  lowest: { ratio: number, where: string }
}

/** Every place on `page` whose text falls short of WCAG AA contrast, and how many were measured. */
export async function contrastAudit (page: Page): Promise<ContrastAudit> {
  // tsx (esbuild keepNames) wraps named functions in `__name(…)`, which the page lacks: give it one.
  return await page.evaluate(`(() => { const __name = (f) => f; return (${audit.toString()})() })()`) as ContrastAudit
}
