/// The demo's pictures, drawn by this code (no photographs, nothing to license): camera frames from a coal-mine
/// roadway and street scenes, with the boxes of what they show, which the demo's gold answers use.
enum DemoImages {
    /// One drawn picture: its PNG bytes and the boxes of the objects drawn on it.
    struct Picture {
        var png: [UInt8]
        var width: Int
        var height: Int
        var boxes: [(label: String, x: Int, y: Int, width: Int, height: Int)]
    }

    static let minePerson = "人员 person"
    static let mineSmoke = "烟雾 smoke"
    static let mineCart = "矿车 mine cart"
    static let streetCar = "汽车 car"
    static let streetPedestrian = "行人 pedestrian"

    /// A roadway 500 m down, lit by cap lamps: rails, a mine cart, miners in reflective vests, smoke.
    static func mineFrame(_ index: Int) -> Picture {
        var random = DemoRandom(seed: UInt64(1_000 + index))
        var canvas = Canvas(width: 480, height: 360)
        canvas.verticalGradient(top: (18, 20, 24), bottom: (52, 46, 40))
        // The roadway's arch and its rails running to a vanishing point.
        canvas.fillEllipse(cx: 240, cy: 170, rx: 210, ry: 150, colour: (34, 34, 36))
        canvas.fillEllipse(cx: 240, cy: 175, rx: 120, ry: 80, colour: (24, 24, 26))
        for offset in [-60, 60] {
            canvas.line(x0: 240 + offset / 6, y0: 200, x1: 240 + offset * 3, y1: 359, colour: (120, 110, 96), width: 3)
        }
        canvas.addNoise(&random, amount: 10)
        var boxes: [(label: String, x: Int, y: Int, width: Int, height: Int)] = []
        if index % 3 != 2 {
            let x = 60 + random.next(below: 120)
            canvas.fillRect(x: x, y: 250, width: 110, height: 60, colour: (70, 74, 80))
            canvas.fillRect(x: x + 8, y: 236, width: 94, height: 18, colour: (40, 40, 44))
            canvas.fillEllipse(cx: x + 22, cy: 312, rx: 12, ry: 12, colour: (20, 20, 20))
            canvas.fillEllipse(cx: x + 88, cy: 312, rx: 12, ry: 12, colour: (20, 20, 20))
            boxes.append((mineCart, x, 236, 110, 88))
        }
        for person in 0..<(1 + index % 2) {
            let x = 250 + person * 90 + random.next(below: 40)
            let y = 190 + random.next(below: 30)
            canvas.fillEllipse(cx: x + 15, cy: y + 10, rx: 11, ry: 11, colour: (230, 200, 40))  // helmet
            canvas.fillRect(x: x + 3, y: y + 22, width: 24, height: 44, colour: (240, 140, 30))  // vest
            canvas.fillRect(x: x + 3, y: y + 38, width: 24, height: 5, colour: (235, 235, 220))  // reflective band
            canvas.fillRect(x: x + 5, y: y + 66, width: 8, height: 30, colour: (30, 32, 40))
            canvas.fillRect(x: x + 17, y: y + 66, width: 8, height: 30, colour: (30, 32, 40))
            boxes.append((minePerson, x + 3, y - 1, 24, 97))
        }
        if index % 4 == 1 {
            let x = 120 + random.next(below: 200)
            for puff in 0..<6 {
                canvas.blendEllipse(
                    cx: x + 20 * puff - 40 + random.next(below: 12), cy: 90 + random.next(below: 30), rx: 34, ry: 22,
                    colour: (150, 150, 150), alpha: 0.55)
            }
            boxes.append((mineSmoke, x - 74, 68, 208, 74))
        }
        return Picture(png: canvas.png(), width: canvas.width, height: canvas.height, boxes: boxes)
    }

    /// A street in Datong: road, lane marks, cars and pedestrians on the crossing.
    static func streetScene(_ index: Int) -> Picture {
        var random = DemoRandom(seed: UInt64(2_000 + index))
        var canvas = Canvas(width: 480, height: 270)
        canvas.verticalGradient(top: (150, 190, 230), bottom: (200, 220, 235))
        canvas.fillRect(x: 0, y: 120, width: 480, height: 150, colour: (90, 92, 96))
        canvas.fillRect(x: 0, y: 110, width: 480, height: 10, colour: (170, 165, 150))
        for lane in stride(from: 10, to: 480, by: 60) {
            canvas.fillRect(x: lane, y: 192, width: 30, height: 4, colour: (230, 230, 220))
        }
        for stripe in 0..<7 {
            canvas.fillRect(x: 300, y: 124 + stripe * 20, width: 60, height: 10, colour: (225, 225, 225))
        }
        canvas.addNoise(&random, amount: 6)
        var boxes: [(label: String, x: Int, y: Int, width: Int, height: Int)] = []
        let colours: [(UInt8, UInt8, UInt8)] = [(190, 30, 40), (30, 80, 170), (235, 235, 235), (40, 40, 40)]
        for car in 0..<(1 + index % 3) {
            let x = 20 + car * 130 + random.next(below: 30)
            let y = car % 2 == 0 ? 140 : 200
            let colour = colours[(index + car) % colours.count]
            canvas.fillRect(x: x, y: y + 12, width: 96, height: 30, colour: colour)
            canvas.fillRect(x: x + 18, y: y, width: 56, height: 16, colour: colour)
            canvas.fillRect(x: x + 24, y: y + 3, width: 44, height: 10, colour: (170, 200, 220))
            canvas.fillEllipse(cx: x + 20, cy: y + 44, rx: 9, ry: 9, colour: (15, 15, 15))
            canvas.fillEllipse(cx: x + 76, cy: y + 44, rx: 9, ry: 9, colour: (15, 15, 15))
            boxes.append((streetCar, x, y, 96, 53))
        }
        for walker in 0..<(index % 2 + 1) {
            let x = 305 + walker * 28 + random.next(below: 10)
            let y = 130 + random.next(below: 80)
            canvas.fillEllipse(cx: x + 7, cy: y + 6, rx: 6, ry: 6, colour: (225, 190, 160))
            canvas.fillRect(x: x, y: y + 12, width: 14, height: 22, colour: (60, 120, 80))
            canvas.fillRect(x: x + 1, y: y + 34, width: 5, height: 16, colour: (40, 40, 60))
            canvas.fillRect(x: x + 8, y: y + 34, width: 5, height: 16, colour: (40, 40, 60))
            boxes.append((streetPedestrian, x, y, 14, 50))
        }
        return Picture(png: canvas.png(), width: canvas.width, height: canvas.height, boxes: boxes)
    }
}

/// A deterministic generator, so the demo draws the same park every time.
struct DemoRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    mutating func next(below bound: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return bound > 0 ? Int(state % UInt64(bound)) : 0
    }
}

/// An RGB raster with the few shapes the demo draws, written out as PNG.
struct Canvas {
    let width: Int
    let height: Int
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
    }

    mutating func set(_ x: Int, _ y: Int, _ colour: (UInt8, UInt8, UInt8)) {
        guard (0..<width).contains(x), (0..<height).contains(y) else { return }
        let offset = (y * width + x) * 3
        (pixels[offset], pixels[offset + 1], pixels[offset + 2]) = colour
    }

    mutating func verticalGradient(top: (UInt8, UInt8, UInt8), bottom: (UInt8, UInt8, UInt8)) {
        for y in 0..<height {
            let t = Double(y) / Double(max(1, height - 1))
            func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8(Double(a) + (Double(b) - Double(a)) * t) }
            let colour = (mix(top.0, bottom.0), mix(top.1, bottom.1), mix(top.2, bottom.2))
            for x in 0..<width { set(x, y, colour) }
        }
    }

    mutating func fillRect(x: Int, y: Int, width: Int, height: Int, colour: (UInt8, UInt8, UInt8)) {
        for row in y..<(y + height) {
            for column in x..<(x + width) { set(column, row, colour) }
        }
    }

    mutating func fillEllipse(cx: Int, cy: Int, rx: Int, ry: Int, colour: (UInt8, UInt8, UInt8)) {
        blendEllipse(cx: cx, cy: cy, rx: rx, ry: ry, colour: colour, alpha: 1)
    }

    mutating func blendEllipse(cx: Int, cy: Int, rx: Int, ry: Int, colour: (UInt8, UInt8, UInt8), alpha: Double) {
        guard rx > 0, ry > 0 else { return }
        for y in (cy - ry)...(cy + ry) {
            for x in (cx - rx)...(cx + rx) {
                let dx = Double(x - cx) / Double(rx)
                let dy = Double(y - cy) / Double(ry)
                guard dx * dx + dy * dy <= 1, (0..<width).contains(x), (0..<height).contains(y) else { continue }
                let offset = (y * width + x) * 3
                func blend(_ old: UInt8, _ new: UInt8) -> UInt8 {
                    UInt8(Double(old) * (1 - alpha) + Double(new) * alpha)
                }
                pixels[offset] = blend(pixels[offset], colour.0)
                pixels[offset + 1] = blend(pixels[offset + 1], colour.1)
                pixels[offset + 2] = blend(pixels[offset + 2], colour.2)
            }
        }
    }

    mutating func line(x0: Int, y0: Int, x1: Int, y1: Int, colour: (UInt8, UInt8, UInt8), width lineWidth: Int) {
        let steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for step in 0...steps {
            let x = x0 + (x1 - x0) * step / steps
            let y = y0 + (y1 - y0) * step / steps
            fillRect(x: x - lineWidth / 2, y: y - lineWidth / 2, width: lineWidth, height: lineWidth, colour: colour)
        }
    }

    mutating func addNoise(_ random: inout DemoRandom, amount: Int) {
        for index in pixels.indices {
            let shifted = Int(pixels[index]) + random.next(below: 2 * amount + 1) - amount
            pixels[index] = UInt8(clamping: shifted)
        }
    }

    /// The raster as a PNG: 8-bit RGB, no filter, in stored (uncompressed) deflate blocks.
    func png() -> [UInt8] {
        var raw: [UInt8] = []
        raw.reserveCapacity((width * 3 + 1) * height)
        for y in 0..<height {
            raw.append(0)
            raw += pixels[(y * width * 3)..<((y + 1) * width * 3)]
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let count = min(65_535, raw.count - start)
            let isLast = start + count == raw.count
            zlib.append(isLast ? 1 : 0)
            zlib += [UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            zlib += raw[start..<(start + count)]
            start += count
        } while start < raw.count
        zlib += bigEndian(adler32(raw))
        var header: [UInt8] = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib)
            + chunk("IEND", [])
    }

    private func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
    }

    private func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
