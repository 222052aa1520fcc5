/**
 * A progress display for long files (over 200 rows): on a terminal one line redrawn with \r,
 * `[#####.....] 512/1024`; otherwise a line at every tenth.
 */
export function createProgress(stream: { write(s: string): unknown; isTTY?: boolean }, label = 'импорт') {
  let lastTenth = 0
  let drawn = false
  return {
    update(done: number, total: number) {
      if (total <= 200) return
      if (stream.isTTY) {
        const width = 30
        const filled = Math.round((done / total) * width)
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`)
        drawn = true
        return
      }
      const tenth = Math.floor((done * 10) / total)
      if (tenth > lastTenth) {
        lastTenth = tenth
        stream.write(`${label}: ${Math.floor((done * 100) / total)}% (${done}/${total})\n`)
      }
    },
    end() {
      if (drawn) stream.write('\n')
      drawn = false
    },
  }
}
