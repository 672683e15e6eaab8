import LabelParkCore

/// One demo document and the answer the generator knows to be right.
struct DemoDocument: Sendable, Equatable {
    /// The text shown to the annotator.
    var text: String
    /// Known answers to choice questions, keyed by question name (e.g. "severity": "较大").
    var choices: [String: String]
    /// Known multi-choice answers keyed by question name.
    var multiChoices: [String: [String]]
    /// Known spans: offsets are Unicode scalar (code point) offsets into `text`, end exclusive.
    var spans: [DemoSpan]
}

/// A labelled range of a demo document's text, in Unicode scalar offsets, end exclusive.
struct DemoSpan: Sendable, Equatable {
    var start: Int
    var end: Int
    var label: String
}

/// Deterministic generators for the demo park's projects; the same seed yields the same documents.
///
/// Texts are assembled from templates such as `"{date}{shift}，{mine}{place}{hazard}，"`. A `{name}` slot is
/// filled from a phrase pool (and reused if it appears again in the same document), `{3-8}` or `{1.0-1.4}`
/// draws a number with that many decimals, and pools carrying a label become spans as they are written.
enum DemoCorpus {
    /// Chinese coal-mine safety incident / hidden-danger reports (煤矿安全隐患报告).
    static let severityLevels = ["一般隐患", "较大隐患", "重大隐患"]
    static let hazardLabels = ["瓦斯", "顶板", "水害", "火灾", "机电", "运输", "粉尘"]

    /// Chinese citizen questions to a government-service hotline / AI assistant (政务服务咨询).
    static let departments = ["公安", "人社", "医保", "税务", "住建", "市场监管", "教育", "民政"]

    /// English smart-city citizen reports, like a 311 / 12345 hotline.
    static let cityCategories = ["roads", "lighting", "waste", "noise", "water", "traffic", "heritage"]
    static let locationLabels = ["STREET", "LANDMARK", "DISTRICT"]

    /// Generates `count` coal-mine hazard reports with a known severity and labelled hazard phrases.
    static func coalMineReports(count: Int, seed: UInt64) -> [DemoDocument] {
        distinct(count) { coalMineReport(Draft(seed: seed ^ 0xC0A1_5AFE, stream: $0, pools: coalPools)) }
    }

    /// Generates `count` citizen questions, each with the department responsible for answering it.
    static func governmentQuestions(count: Int, seed: UInt64) -> [DemoDocument] {
        distinct(count) { governmentQuestion(Draft(seed: seed ^ 0x60F5_E4F1, stream: $0, pools: servicePools)) }
    }

    /// Generates `count` English city reports with 1–2 categories and labelled place names.
    static func cityReports(count: Int, seed: UInt64) -> [DemoDocument] {
        distinct(count) { cityReport(Draft(seed: seed ^ 0xC17E_0311, stream: $0, pools: cityPools)) }
    }

    /// Makes `count` documents with distinct texts; a text seen before is redrawn from a fresh stream.
    fileprivate static func distinct(_ count: Int, _ make: (Int) -> DemoDocument) -> [DemoDocument] {
        var seen = Set<String>()
        return (0..<max(count, 0)).map { index in
            var document = make(index)
            var retry = 0
            while !seen.insert(document.text).inserted, retry < 16 {
                retry += 1
                document = make(index | retry << 40)
            }
            return document
        }
    }
}

// MARK: - Assembly

extension DemoCorpus {
    /// A phrase pool for one template slot; a labelled pool marks every phrase drawn from it as a span.
    fileprivate struct Pool: Sendable {
        let values: [String]
        let label: String?
        init(_ values: [String], label: String? = nil) {
            self.values = values
            self.label = label
        }
    }

    /// A resolved slot: its text and, when it is a span, its label.
    fileprivate struct Fill: Sendable {
        var text: String
        var label: String?
        init(_ text: String, label: String? = nil) {
            self.text = text
            self.label = label
        }
    }

    /// How unlabelled text is punctuated; messy documents swap every other mark to the other width.
    fileprivate enum Punctuation: Sendable { case standard, halfWidth, fullWidth }

    /// One document being written: its text, spans counted in Unicode scalars as text is appended, and slot choices.
    fileprivate struct Draft {
        var rng: SplitMix64
        let pools: [String: Pool]
        var slots: [String: Fill] = [:]
        var text = ""
        var spans: [DemoSpan] = []
        var length = 0
        var punctuation = Punctuation.standard
        private var swapNext = true
        private var dropSpace = false

        init(seed: UInt64, stream: Int, pools: [String: Pool]) {
            rng = SplitMix64(seed: seed, stream: stream)
            self.pools = pools
        }

        /// Resolves a template and appends it, recording a span for every labelled piece.
        mutating func write(_ template: String) {
            for piece in pieces(template) { append(piece) }
        }

        /// Resolves a template to plain text without appending it (for building a labelled phrase).
        mutating func expand(_ template: String) -> String {
            pieces(template).map(\.text).joined()
        }

        /// Appends one piece; spans get their offsets here, from the scalar count written so far.
        mutating func append(_ piece: Fill) {
            let body = piece.label == nil ? restyle(piece.text) : piece.text
            let size = body.unicodeScalars.count
            if let label = piece.label, size > 0 {
                spans.append(DemoSpan(start: length, end: length + size, label: label))
            }
            text += body
            length += size
        }

        /// Splits a template into literal text and resolved slots.
        private mutating func pieces(_ template: String) -> [Fill] {
            var result: [Fill] = []
            var rest = Substring(template)
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                result.append(Fill(String(rest[..<open])))
                result.append(resolve(String(rest[rest.index(after: open)..<close])))
                rest = rest[rest.index(after: close)...]
            }
            result.append(Fill(String(rest)))
            return result
        }

        /// Fills a slot: an already chosen value, a number range, or a fresh draw from its pool.
        private mutating func resolve(_ key: String) -> Fill {
            if let chosen = slots[key] { return chosen }
            if let number = number(key) { return Fill(number) }
            // "S2" draws from pool "S" but avoids repeating whatever "S" already holds.
            let base = pools[key] != nil ? key : String(key.dropLast())
            guard let pool = pools[base] else { preconditionFailure("demo template uses unknown slot {\(key)}") }
            var value = rng.pick(pool.values)
            if base != key, let taken = slots[base]?.text {
                for _ in 0..<8 where value == taken { value = rng.pick(pool.values) }
            }
            let fill = Fill(value, label: pool.label)
            slots[key] = fill
            return fill
        }

        /// Draws from a range slot such as `{3-8}` or `{1.0-1.4}`, keeping the lower bound's decimals.
        private mutating func number(_ key: String) -> String? {
            let bounds = key.split(separator: "-")
            guard bounds.count == 2 else { return nil }
            let decimals = bounds[0].split(separator: ".").dropFirst().first?.count ?? 0
            guard let low = Int(bounds[0].filter { $0 != "." }), let high = Int(bounds[1].filter { $0 != "." }),
                low <= high
            else { return nil }
            let value = rng.int(low...high)
            guard decimals > 0 else { return String(value) }
            var scale = 1
            for _ in 0..<decimals { scale *= 10 }
            var fraction = String(value % scale)
            while fraction.count < decimals { fraction = "0" + fraction }
            return "\(value / scale).\(fraction)"
        }

        /// Swaps every other punctuation mark to the other width, as text pasted between input methods does.
        private mutating func restyle(_ piece: String) -> String {
            guard punctuation != .standard else { return piece }
            var characters = Array(piece)
            if dropSpace, characters.first == " " { characters.removeFirst() }
            dropSpace = false
            var result = ""
            var index = 0
            while index < characters.count {
                let character = characters[index]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                var swapped = (punctuation == .halfWidth ? Self.halfWidth : Self.fullWidth)[character]
                // A full stop is only a sentence end when a space or the end of the piece follows (not "1.5").
                if character == ".", next != nil, next != " " { swapped = nil }
                if let swapped {
                    swapNext.toggle()
                    result.append(swapNext ? swapped : character)
                    // An input method's full-width mark carries its own spacing.
                    if swapNext, punctuation == .fullWidth, next == " " { index += 1 }
                    if swapNext, punctuation == .fullWidth, next == nil { dropSpace = true }
                } else {
                    result.append(character)
                }
                index += 1
            }
            return result
        }

        private static let halfWidth: [Character: Character] = ["，": ",", "？": "?", "：": ":", "。": ".", "！": "!"]
        private static let fullWidth: [Character: Character] = [",": "，", "?": "？", ":": "：", ".": "。"]
    }
}

// MARK: - Coal-mine hazard reports

extension DemoCorpus {
    /// One hazard category: where it occurs, who deals with it, and its findings at each severity level.
    fileprivate struct HazardKind: Sendable {
        let label: String
        let teams: [String]
        let places: [String]
        /// Findings indexed by severity level (0 一般, 1 较大, 2 重大), each "hazard|action|cause|where": the cause
        /// may be empty, and `where` lists "/"-separated fragments a fitting place contains (empty: any place).
        let findings: [[String]]
    }

    /// One finding drawn from a hazard kind, with a place it can plausibly occur in.
    fileprivate struct Finding {
        let hazard: String
        let action: String
        let cause: String
        let place: String

        init(_ entry: String, in kind: HazardKind, rng: inout SplitMix64) {
            let fields = entry.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            hazard = fields[0]
            action = fields.count > 1 ? fields[1] : ""
            cause = fields.count > 2 ? fields[2] : ""
            let fragments = fields.count > 3 ? fields[3].split(separator: "/") : []
            let fitting = kind.places.filter { place in fragments.isEmpty || fragments.contains { place.contains($0) } }
            place = rng.pick(fitting.isEmpty ? kind.places : fitting)
        }
    }

    fileprivate static let hazards: [HazardKind] = [
        HazardKind(
            label: "瓦斯", teams: ["通风队", "瓦斯检查班", "综采一队", "掘进二队", "防突队"],
            places: [
                "{panel}综采工作面上隅角", "{panel}综采工作面回风隅角", "{panel}综掘工作面迎头", "{panel}掘进工作面", "{panel}回风顺槽",
                "{panel}综采工作面回风流中", "{panel}切眼", "二盘区回风大巷", "{panel}回风顺槽距工作面{20-80}m处", "北翼采区回风巷",
            ],
            findings: [
                [
                    "瓦斯浓度升至0.{7-9}%|加强局部通风并调整风量|工作面推进加快导致瓦斯涌出增加|",
                    "甲烷传感器吊挂位置距顶板{320-480}mm|按规定重新吊挂甲烷传感器|巷道挑顶后未及时调整传感器位置|", "瓦斯检查牌板记录与实测数据不符|重新核对并规范填写牌板||",
                    "便携式甲烷检测报警仪未随身携带|为作业人员补配便携仪||", "局部通风机风筒出口距迎头{6-9}m|接长风筒至规定距离|迎头推进后未及时延接风筒|掘",
                    "风筒破损漏风{2-5}处|更换破损风筒|风筒吊挂不直且被矿车刮蹭|掘", "瓦斯检查员漏检{2-3}次|补检并追究漏检人员责任||",
                    "CH4浓度0.{7-9}%接近报警值|加密瓦斯检查频次|气压骤降导致采空区瓦斯涌出|",
                ],
                [
                    "瓦斯浓度达到{1.0-1.4}%|切断作业地点动力电源并加强通风|采空区瓦斯涌出量增大|", "瓦斯浓度持续在{1.0-1.2}%以上|调整通风系统增加供风量|配风量与瓦斯涌出量不匹配|",
                    "局部通风机无计划停风{12-40}分钟|排查供电线路并恢复双风机双电源切换|局部通风机供电线路跳闸后无人及时处理|掘",
                    "CH4浓度{1.0-1.4}%超限报警|停止作业并排放瓦斯|抽采钻孔封孔质量差，抽采效果下降|", "甲烷传感器断电功能失效|更换传感器并做断电试验|传感器超期未标校|",
                    "瓦斯抽采负压降至{8-12}kPa|对抽采管路放水并检查负压|抽采管路积水|", "风量仅{280-390}m³/min低于设计配风量|调节风窗增加配风|风门未关闭造成风流短路|",
                ],
                [
                    "瓦斯浓度达到{1.6-2.5}%后未停电撤人|切断全部电源并撤出人员|当班瓦斯检查员未按规定处置|",
                    "甲烷传感器被人为包裹导致监测数据失真|恢复传感器并调取监控数据追查责任|个别人员为赶进度人为干扰监测|",
                    "瓦斯超限{20-50}分钟仍继续割煤|停止割煤并撤出人员|带班人员为赶生产进度违章指挥|综采/综掘",
                    "局部通风机停风后未检查瓦斯即恢复送电|停电闭锁并由专职瓦斯检查员检查排放|作业人员违反停送风制度|掘",
                    "CH4浓度{1.6-3.2}%且无人撤离|撤出人员并排放瓦斯|现场人员不清楚超限撤人规定|",
                ],
            ]
        ),
        HazardKind(
            label: "顶板", teams: ["综采一队", "综采二队", "掘进三队", "开拓队", "支护班"],
            places: [
                "{panel}运输顺槽超前支护段", "{panel}回风顺槽", "{panel}综采工作面{10-150}号支架处", "{panel}工作面机尾端头",
                "{panel}工作面机头端头", "{panel}掘进工作面迎头", "中央轨道大巷", "{panel}切眼", "{panel}联络巷交岔点", "{panel}综掘工作面",
            ],
            findings: [
                [
                    "顶板局部离层{8-25}mm|加密离层观测并补打锚杆|巷道受采动影响变形加剧|顺槽/大巷/交岔",
                    "锚杆托盘松动{3-8}根|重新紧固锚杆托盘|锚杆预紧力矩不足|顺槽/大巷/交岔/迎头/综掘", "煤壁片帮深度约0.{2-5}m|及时伸出护帮板|采高过大且煤质松软|支架",
                    "顶网破损下沉|更换顶网并补打锚杆||顺槽/大巷/交岔/切眼", "{2-6}根单体液压支柱初撑力不足|对单体支柱补液升柱|支柱工操作不规范|端头/超前",
                    "帮部锚杆外露长度不符合要求|切除外露部分并重新紧固|锚杆施工质量验收不严|顺槽/大巷/迎头/综掘",
                ],
                [
                    "顶板离层仪读数达到{60-120}mm|补打锚索加强支护|锚杆支护参数与地质条件不匹配|顺槽/大巷/交岔", "顶板冒落高度约{0.8-2.0}m|架设木垛接顶|过断层带顶板岩性变差|端头",
                    "{3-6}根锚索失效|在失效锚索旁补打锚索|锚索锚固力不足|顺槽/大巷/交岔", "超前支护距离仅{12-18}m|将超前支护延长至20m以上|超前支护材料供应不及时|超前",
                    "液压支架接顶不严并出现{0.5-1.5}m长顶板裂隙|调整支架初撑力并及时移架|支架工未及时带压移架|支架",
                    "顶板来压明显且支架安全阀频繁开启|加强支架管理并控制采高|工作面临近周期来压|支架",
                ],
                [
                    "局部冒顶长度约{4-9}m|撤出人员并架设临时支护|过断层带顶板破碎|支架/端头/切眼",
                    "空顶作业距离达{2.0-3.5}m|停止作业并补齐临时支护|掘进后未及时进行临时支护|迎头/综掘",
                    "过断层段顶板破碎且未采取加强支护|对断层段注浆加固并架设钢棚|未按地质预报编制专项支护措施|",
                    "冒顶区域未支护即安排人员进入作业|撤出人员并封闭冒顶区域|跟班干部违章指挥|",
                ],
            ]
        ),
        HazardKind(
            label: "水害", teams: ["探放水队", "防治水科", "掘进二队", "排水班", "综采二队"],
            places: [
                "{panel}掘进工作面迎头", "{panel}综采工作面", "{panel}运输顺槽低洼处", "中央水仓", "主水平泵房", "{panel}回风顺槽",
                "{panel}探放水钻场", "西翼辅助运输大巷", "{panel}切眼",
            ],
            findings: [
                [
                    "底板渗水量约{1-3}m³/h|加强观测并疏通水沟|底板含水层裂隙导水|顺槽/大巷/切眼", "排水沟堵塞积水长度约{15-40}m|清理水沟并排出积水|水沟长期未清理|顺槽/大巷",
                    "探放水原始记录填写不完整|补全记录并重新审核|探放水工培训不到位|钻场", "淤积未按期清挖|组织人员清挖水仓|清淤计划执行不到位|水仓",
                    "顶板出现滴水点{3-7}处|设置挡水板并观测水量变化|雨季地表水沿裂隙下渗|顺槽/大巷/切眼/综采",
                ],
                [
                    "顶板淋水加大至{8-15}m³/h|对出水点取样化验并加大排水|顶板砂岩含水层补给增加|综采/顺槽/切眼",
                    "煤壁出现挂红、挂汗现象|停止掘进并施工探放水钻孔|掘进接近老空积水区|迎头", "一台主排水泵故障停用|启用备用排水泵并抢修故障泵|水泵维护保养不到位|泵房",
                    "钻孔出水量突然增大至{18-40}m³/h|关闭孔口阀门并观测水压|钻孔揭露含水层|钻场", "空气变冷并出现雾气|停止作业并撤出迎头人员|掘进接近积水区|迎头",
                ],
                [
                    "未按规定探放水即进行掘进作业|停止掘进并补做探放水设计|未执行“有掘必探”制度|迎头", "出现水叫声且底板鼓起涌水|撤出受威胁区域全部人员|断层导水|迎头",
                    "涌水量骤增至{60-150}m³/h|撤出人员并开启全部排水泵|断层导水|迎头/综采/切眼", "在老空积水警戒线内违规开采|停止开采并对老空区探放水|未按规定留设防隔水煤柱|综采",
                ],
            ]
        ),
        HazardKind(
            label: "火灾", teams: ["通风队", "防灭火队", "通风区防火班"],
            places: [
                "{panel}综采工作面采空区", "{panel}综采工作面回风隅角", "{panel}运输顺槽胶带机机头", "主斜井胶带输送机", "中央变电所",
                "{panel}工作面后部采空区密闭", "井下爆炸材料库", "{panel}回风顺槽",
            ],
            findings: [
                [
                    "滚筒处积煤未及时清理|清理积煤|胶带机清扫器损坏|胶带", "{2-4}具灭火器压力不足|更换灭火器|消防器材未按月检查|",
                    "消防沙箱沙量不足|补足消防用沙|消防器材未按月检查|变电所/材料库/胶带", "消防管路阀门锈蚀无法开启|更换消防管路阀门|消防管路缺乏日常维护|胶带/顺槽",
                    "CO浓度升至{8-18}ppm|加密束管监测取样频次|采空区遗煤缓慢氧化|采空区/隅角",
                ],
                [
                    "一氧化碳浓度升至{24-60}ppm|向采空区注氮并喷洒阻化剂|采空区遗煤较多且漏风|采空区/隅角/密闭", "托辊卡死发热温度达{60-85}℃|停机更换托辊|托辊缺乏日常巡检|胶带",
                    "电焊作业未办理审批手续|停止电焊作业并补办审批|施工单位安全意识淡薄|胶带/顺槽/变电所", "烟雾保护装置失效|恢复烟雾保护并试验合格|保护装置未按规定定期试验|胶带",
                    "温度升至{35-45}℃|注氮降温并加强监测|工作面推进缓慢导致遗煤氧化|采空区",
                ],
                [
                    "出现自然发火征兆并检出乙烯{0.5-3.0}ppm|注氮注浆并构筑防火密闭|采空区漏风供氧导致遗煤自燃|采空区/隅角",
                    "墙内CO浓度持续上升至{300-900}ppm|加固密闭墙并喷浆堵漏|密闭墙周边裂隙漏风|密闭", "胶带着火冒烟|停机断电并组织灭火|托辊长期摩擦发热引燃积煤|胶带",
                    "电缆接线盒短路起火|切断电源并用干粉灭火器灭火|电缆长期过负荷运行|变电所/顺槽",
                ],
            ]
        ),
        HazardKind(
            label: "机电", teams: ["机电队", "机电科", "综采一队", "供电班"],
            places: [
                "中央变电所", "{panel}采区变电所", "{panel}运输顺槽配电点", "{panel}综采工作面", "主井绞车房", "{panel}掘进工作面配电点",
                "主要通风机房", "井底车场", "{panel}综掘工作面",
            ],
            findings: [
                [
                    "电缆吊挂间距超过{3-5}m|重新吊挂电缆|电缆延伸后未及时整理|工作面/车场/配电点",
                    "照明信号综保保护试验记录缺失|补做保护试验并完善记录|电工未按规定进行试验|配电点/变电所",
                    "开关设备未挂停送电牌|补挂停送电牌|停送电管理制度执行不严|配电点/变电所/绞车房",
                    "{2-5}处电缆接线出现“鸡爪子”“羊尾巴”|重新制作电缆接头|电工图省事违章接线|配电点/工作面/车场", "设备接地线锈蚀|更换接地线并测试接地电阻|井下潮湿且未定期检查|",
                    "电机外壳积尘较厚|清理设备积尘|设备日常清扫不到位|工作面/绞车房/通风机房",
                ],
                [
                    "馈电开关失爆|停电更换防爆部件|电工未按规定进行防爆检查|配电点/变电所", "漏电保护装置试验不动作|对漏电保护进行整定试验|保护装置整定值设置错误|配电点/变电所",
                    "电缆护套破损芯线外露|停电更换破损电缆|电缆被片帮煤块砸伤|工作面/车场/配电点", "刮板输送机断链|更换断链并张紧链条|链条磨损超限未及时更换|综采",
                    "{2-4}台防爆开关隔爆面锈蚀失爆|停电处理隔爆面|设备超期服役|配电点/变电所", "采煤机截割电机温度保护失效|停机检修温度保护|检修后未恢复保护接线|综采",
                ],
                [
                    "使用非防爆电气设备|停电拆除非防爆设备|设备入井检查把关不严|工作面/配电点/车场", "备用电源不能正常切换|抢修双回路切换装置|双回路切换装置长期未试验|通风机房",
                    "高压开关带电作业且未执行停送电制度|停止作业并严格执行停送电制度|电工违章作业|变电所",
                    "瓦斯电闭锁装置被短接|恢复瓦斯电闭锁并追查责任人|检修人员为图方便私自短接|综掘/掘进",
                ],
            ]
        ),
        HazardKind(
            label: "运输", teams: ["运输队", "提升班", "机电队", "轨道班"],
            places: ["主斜井", "副斜井", "{panel}运输顺槽", "{panel}轨道顺槽", "井底车场", "西翼轨道大巷", "{panel}辅运巷", "架空乘人装置上车点", "副井绞车房"],
            findings: [
                [
                    "道岔扣件缺失{3-8}处|补齐道岔扣件|轨道日常维护不到位|轨道/车场", "人行道宽度仅0.{5-7}m|清理人行道堆放的物料|物料堆放不规范|斜井/顺槽/大巷/辅运",
                    "挡车栏未关闭|关闭挡车栏并加装声光报警|把钩工未执行“一坡三挡”规定|副斜井/轨道顺槽", "照明灯具损坏{3-6}盏|更换照明灯具|照明线路老化|",
                    "轨道接头错差达{3-6}mm|重新调整轨道接头|巷道底鼓导致轨道变形|轨道/车场", "胶带跑偏|调整胶带并校正托辊|托辊安装不正|主斜井/运输顺槽",
                ],
                [
                    "无极绳绞车钢丝绳断丝{5-9}根|更换钢丝绳|设备长期重载运行|轨道/辅运", "跑车防护装置失效|停运检修跑车防护装置|维修班组检修不到位|副斜井/轨道顺槽",
                    "矿车连接销未插到位|重新插好连接销并逐车检查|把钩工未执行交接班检查|车场/轨道", "越位保护失灵|停运并修复越位保护|保护装置未定期试验|上车点",
                    "无轨胶轮车制动距离超标|停用该车辆并检修制动系统|车辆日常检修不到位|辅运", "防打滑保护失效|停机修复防打滑保护|保护装置未定期试验|主斜井/运输顺槽",
                ],
                [
                    "提升机制动闸瓦间隙超标且保护失效|停止提升并对提升机进行制动试验|提升机日常检查流于形式|绞车房",
                    "斜巷运输未执行“行车不行人”规定|停止运输并对相关人员重新培训|信号工与把钩工联络不畅|副斜井/轨道顺槽",
                    "提升钢丝绳断丝超限仍继续使用|停止提升并更换钢丝绳|钢丝绳检查记录弄虚作假|绞车房", "人车与物料车混挂运行|停运并拆分混挂车辆|运输司机违章作业|副斜井/轨道/车场",
                ],
            ]
        ),
        HazardKind(
            label: "粉尘", teams: ["通风队", "防尘班", "综采二队", "掘进一队"],
            places: [
                "{panel}综采工作面", "{panel}工作面转载点", "{panel}综掘工作面", "主斜井胶带机转载点", "{panel}回风顺槽", "{panel}运输顺槽",
                "二盘区胶带大巷",
            ],
            findings: [
                [
                    "喷雾装置未开启|开启喷雾装置|作业人员防尘意识淡薄|转载点", "隔爆水棚缺水{3-8}袋|补充隔爆水棚水量|隔爆设施日常检查不到位|顺槽/大巷",
                    "作业人员未佩戴防尘口罩|督促作业人员佩戴防尘口罩|作业人员防尘意识淡薄|工作面", "巷帮积尘厚度约{1-3}mm|冲洗巷帮清除积尘|巷道冲尘制度执行不到位|顺槽/大巷",
                    "防尘管路三通阀门缺失|补装三通阀门|管路延伸后未及时安装阀门|顺槽/大巷",
                ],
                [
                    "粉尘浓度达到{12-30}mg/m³|开启喷雾并检修喷嘴|喷雾喷嘴堵塞未及时清理|工作面/转载点", "采煤机内外喷雾均不能正常使用|停机检修喷雾系统|防尘供水压力不足|综采",
                    "除尘风机未开启|恢复除尘风机运行|司机为图方便未开启除尘设备|综掘", "{2-4}组隔爆水棚设置不符合规定|按规定重新安设隔爆水棚|隔爆设施安装未经验收|顺槽/大巷",
                    "煤层注水未按计划实施|补做煤层注水|煤层注水钻孔施工滞后|综采",
                ],
                [
                    "沉积煤尘厚度达{5-12}mm且未设置隔爆设施|停止作业清扫煤尘并安设隔爆设施|巷道冲尘制度长期未落实|顺槽/大巷",
                    "防尘供水系统停运后继续割煤|停止割煤并恢复防尘供水|带班人员为赶进度违章指挥|综采/综掘",
                    "巷道煤尘堆积且附近存在电焊作业|停止电焊作业并清除积尘|动火作业安全措施不落实|顺槽/大巷",
                ],
            ]
        ),
    ]

    fileprivate static let coalPools: [String: Pool] = [
        "mine": Pool([
            "大同某矿", "云冈区某矿", "左云县某煤业公司", "新荣区某煤矿", "浑源县某煤业", "大同某国有重点煤矿", "云州区某矿井", "左云县某矿",
            "云冈区某煤业公司",
        ]),
        "shift": Pool(["早班", "中班", "夜班", "零点班", "八点班", "四点班", "检修班"]),
        "inspector": Pool([
            "瓦斯检查员", "安全员", "跟班矿长", "带班班长", "安检员", "通风区技术员", "机电队电工", "驻矿安监员", "区队跟班队长",
            "生产副矿长", "总工程师", "当班调度员",
        ]),
        "check": Pool([
            "隐患排查", "月度安全大检查", "雨季“三防”专项检查", "“一通三防”专项检查", "机电设备专项检查", "夜间突击检查",
            "节后复工复产检查", "顶板管理专项检查",
        ]),
        "promptly": Pool(["立即", "随即", "当即", "现场", ""]),
        "detail": Pool(["现场已拍照留存", "已在隐患排查系统登记", "相关人员已签字确认", "已向矿调度室汇报", "已通知区队负责人到场确认"]),
        "causeLead": Pool(["经初步分析，原因是", "初步判断原因为", "经现场分析，主要原因是", "据分析，问题出在", "事后调查发现，"]),
        "laxity": Pool([
            "现场安全管理不到位", "班组交接班检查不细致", "区队隐患自查自改落实不到位", "作业人员安全意识淡薄", "岗位责任制落实不到位",
            "跟班干部现场盯守不到位", "安全技术措施执行不严格",
        ]),
    ]

    fileprivate static let coalOpeners = [
        "{date}{shift}，{mine}{place}{hazard}，", "{date}{shift}，{inspector}在{mine}{place}巡查时发现{hazard}，",
        "{date}，{mine}开展{check}，在{place}发现{hazard}，", "据{inspector}汇报，{date}{shift}{mine}{place}{hazard}，",
        "{date}{shift}接班后，{inspector}发现{mine}{place}{hazard}，", "{mine}{date}{shift}隐患排查记录：{place}{hazard}，",
    ]
    /// Only readings a monitoring system measures get this opener.
    fileprivate static let monitorOpener = "{date}{clock}，{mine}安全监控系统显示{place}{hazard}，"

    fileprivate static let coalResponses = [
        [
            "已责令当班整改", "班组长现场组织整改，已复查合格", "下达隐患整改通知单，要求当班处理完毕", "由区队自行整改，跟班队长负责落实",
            "当班处理完毕，跟班队长已复查", "安检员当场督促整改完毕",
        ],
        [
            "已停止该区域作业，报矿调度室", "矿调度室通知相关区队停产整改，限期{2-5}日", "由分管副矿长牵头制定整改方案，实行挂牌督办",
            "暂停该工作面生产，整改验收合格后方可恢复", "设置警戒并报告值班矿领导",
        ],
        [
            "矿井立即停产撤人，并上报集团公司及大同市应急管理局", "启动矿井应急预案，按重大事故隐患挂牌督办", "责令停产整顿，由矿长组织制定专项整改方案",
            "全矿井停止作业，报地方煤矿安全监管部门",
        ],
    ]
    fileprivate static let coalSecondHazards = [
        "同时，在{place2}发现{hazard2}，{team2}已{action2}。", "另查明，{place2}{hazard2}，要求{team2}{action2}。",
        "此外，检查中还发现{place2}{hazard2}，责令{team2}限期{2-5}日内{action2}。",
    ]
    fileprivate static let coalFollowUps = [
        "复查时间定于{2-7}日后。", "责任单位为{team}，整改责任人已签字确认。", "该隐患已纳入矿井隐患排查治理台账。",
        "要求各区队举一反三，开展同类隐患排查。", "当班相关责任人已按规定考核。", "整改完成后由安监处验收销号。", "由{inspector}负责跟踪复查。",
        "矿安全生产例会上对此进行了通报。",
    ]

    /// One coal-mine report; its severity is that of the main hazard, which the written response matches.
    fileprivate static func coalMineReport(_ seed: Draft) -> DemoDocument {
        var draft = seed
        let messy = draft.rng.int(0...14) == 0
        let year = draft.rng.int(2025...2026), month = draft.rng.int(1...12), day = draft.rng.int(1...28)
        let hour = draft.rng.int(0...23), minute = draft.rng.int(0...59)
        let panel = "\(draft.rng.pick(["8", "5", "2", "3", "4"]))\(draft.rng.int(1...4))0\(draft.rng.int(1...9))"
        draft.slots["date"] = Fill(
            messy
                ? draft.rng.pick(["\(year).\(month).\(day)", "\(year)-\(pad(month))-\(pad(day)) "])
                : "\(year)年\(month)月\(day)日")
        draft.slots["clock"] = Fill("\(hour)时\(pad(minute))分")
        draft.slots["panel"] = Fill(panel)

        let kind = draft.rng.pick(hazards)
        let level = severity(&draft.rng)
        let finding = Finding(draft.rng.pick(kind.findings[level]), in: kind, rng: &draft.rng)
        draft.slots["team"] = Fill(draft.rng.pick(kind.teams))
        draft.slots["place"] = Fill(draft.expand(finding.place))
        draft.slots["hazard"] = Fill(draft.expand(finding.hazard), label: kind.label)

        if messy {
            draft.punctuation = .halfWidth
            draft.write(draft.rng.pick(["【隐患上报】编号YH\(year)\(pad(month))\(pad(day))-{10-99} ", "隐患描述：", "[{mine}] "]))
        }
        let measured = finding.hazard.contains("浓度") || finding.hazard.contains("温度")
        draft.write(measured && draft.rng.chance(40) ? monitorOpener : draft.rng.pick(coalOpeners))
        if messy || draft.rng.chance(35) { draft.write("{detail}，") }
        draft.write("{team}{promptly}" + finding.action + "，" + draft.rng.pick(coalResponses[level]) + "。")

        if messy || draft.rng.chance(25) {
            let other = draft.rng.pick(hazards.filter { $0.label != kind.label })
            // A secondary finding is never worse than the one the response was written for.
            let second = Finding(draft.rng.pick(other.findings[draft.rng.int(0...level)]), in: other, rng: &draft.rng)
            draft.slots["team2"] = Fill(draft.rng.pick(other.teams.filter { $0 != draft.slots["team"]?.text }))
            draft.slots["place2"] = Fill(draft.expand(second.place))
            draft.slots["hazard2"] = Fill(draft.expand(second.hazard), label: other.label)
            draft.slots["action2"] = Fill(second.action)
            draft.write(draft.rng.pick(coalSecondHazards))
        }
        if messy || draft.rng.chance(50) {
            draft.write(
                "{causeLead}" + (finding.cause.isEmpty || draft.rng.chance(25) ? "{laxity}" : finding.cause) + "。")
        }
        if messy || draft.rng.chance(40) { draft.write(draft.rng.pick(coalFollowUps)) }
        if messy { draft.write(" 上报人：{inspector}") }
        return DemoDocument(
            text: draft.text, choices: ["severity": severityLevels[level]], multiChoices: [:], spans: draft.spans)
    }

    /// Draws a severity level, most reports being routine.
    fileprivate static func severity(_ rng: inout SplitMix64) -> Int {
        let roll = rng.int(0...99)
        return roll < 50 ? 0 : roll < 85 ? 1 : 2
    }

    /// Two-digit zero padding for dates and clock times.
    fileprivate static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

// MARK: - Government-service questions

extension DemoCorpus {
    /// Kinds of citizen question: the department that answers, situations people describe, and what they ask.
    fileprivate static let topics: [(department: String, situations: [String], asks: [String])] = [
        (
            "公安",
            [
                "我和爱人结婚后想把户口从{city}迁到大同{dist}，", "我在{dist}买了房，房产证刚下来，想把全家户口迁过来，",
                "我大学毕业回大同工作了，户口还挂在{city}的学校集体户，", "我父母都在{city}，想把他们户口迁到大同跟我一起住，",
            ],
            ["需要准备哪些材料？先去哪个派出所办？", "现在跨省迁户口还用回原籍开准迁证吗？", "整个流程大概要多长时间？", "能不能在网上提交申请？"]
        ),
        (
            "公安", ["孩子上个月在{city}出生，我们户口都在大同{dist}，", "宝宝刚满月，我户口在{dist}，我爱人户口在{city}，"],
            ["新生儿落户要带哪些材料？", "孩子户口能随父亲落吗？", "出生医学证明上名字写错了一个字，还能落户吗？"]
        ),
        (
            "公安", ["我是{city}人，在大同{dist}租房住了半年多，", "我在{dist}一家超市上班，户口在{city}，", "我们一家从{city}过来做生意两年了，"],
            ["办居住证需要什么材料？租房合同要不要先备案？", "居住证办下来孩子上学能用吗？", "居住证到期了怎么签注？"]
        ),
        (
            "公安", ["身份证丢了，下周要坐高铁去{city}，", "我身份证下个月到期，人现在在{city}上班，", "{elder}的身份证过期好几年了，老人腿脚不方便，"],
            ["能办临时身份证吗？当天能拿到吗？", "可以异地换领吗？要带什么？", "能不能预约上门办理？"]
        ),
        (
            "人社",
            [
                "我之前在{city}工作了{years}年，社保一直在那边交，今年回大同上班了，", "单位把我从{city}分公司调回大同总部，",
                "我在{city}交了{years}年养老保险，现在在{dist}一家公司上班，",
            ],
            ["养老保险关系怎么转过来？要不要回{city}跑一趟？", "社保转移接续能在网上办吗？大概多久能转完？", "转过来以后之前的缴费年限还算不算？"]
        ),
        (
            "人社", ["我上个月被公司辞退了，在单位交了{years}年失业保险，", "公司经营困难，我和几个同事{month}解除了劳动合同，"],
            ["失业金怎么申领？能领几个月？", "领失业金期间医保怎么办？", "网上申领失业保险金的入口在哪？"]
        ),
        (
            "人社", ["我今年满{retireAge}岁，在{dist}一家企业上班，", "{kin}是灵活就业人员，今年到退休年龄了，"],
            ["退休手续怎么办？需要单位出面吗？", "养老金从哪个月开始发？大概能领多少？", "档案里的出生日期和身份证对不上怎么办？"]
        ),
        (
            "人社", ["我在{dist}一个工地干了三个多月，包工头一直拖着不发工资，", "公司已经{months}个月没发工资了，老板说等项目回款，"],
            ["应该去哪里投诉？劳动监察大队在哪？", "能申请劳动仲裁吗？需要准备什么证据？"]
        ),
        (
            "人社", ["我刚考下低压电工证，", "我参加了{dist}组织的育婴师培训，拿到了证书，"],
            ["职业技能提升补贴怎么申请？", "补贴能领多少？在哪个平台申请？"]
        ),
        (
            "医保",
            [
                "{kin}上个月在{city}住院，花了{money}元，", "{kin}在北京做了心脏支架手术，异地就医没有提前备案，",
                "我去年在{city}急诊住院，自己先垫付了{money}元，",
            ],
            ["回来以后还能报销吗？需要准备哪些材料？", "没备案的话报销比例会降多少？", "报销要去{dist}医保中心，还是能在网上办？"]
        ),
        (
            "医保", ["我退休后跟着孩子在{city}长住，", "我被单位派到{city}工作一年，"],
            ["异地就医备案怎么办？国家医保服务平台APP能备吗？", "备案以后在当地看病能直接结算吗？"]
        ),
        (
            "医保", ["{kin}有高血压和糖尿病，每个月药费好几百，", "我去年查出慢性肾病，需要长期透析，"],
            ["门诊慢特病怎么申请认定？", "认定下来以后门诊报销比例是多少？"]
        ),
        (
            "医保", ["孩子刚出生，还没上户口，", "宝宝{monthsOld}个月了，一直没办医保，"],
            ["新生儿医保怎么参保？出生当年能报销吗？", "城乡居民医保今年个人缴多少钱？"]
        ),
        (
            "税务",
            [
                "我去年换了两份工作，两家单位都扣了个税，", "我有一个孩子在上小学，还要赡养{parent}，", "单位说我去年多扣了个税，",
                "我去年有一笔{money}元的劳务报酬，",
            ],
            ["个税年度汇算在个人所得税APP上怎么操作？", "专项附加扣除漏报了现在还能补吗？", "退税一般多久能到账？", "需要补税的话最晚什么时候交？"]
        ),
        (
            "税务", ["我在{dist}买了套二手房，面积{area}平米，", "我们家去年在{dist}买了新房，还没交契税，"],
            ["契税怎么交？首套房税率是多少？", "能在网上缴纳吗？还是必须去大厅？"]
        ),
        (
            "税务", ["我在{dist}开了家小超市，是小规模纳税人，", "我是个体户，客户要求开增值税专用发票，"],
            ["能自己开专票吗？要申请什么？", "数电发票怎么开？", "月销售额不超过10万还要交增值税吗？"]
        ),
        (
            "住建", ["我在{dist}租房住，每月房租{rent}元，", "我去年贷款在{dist}买了房，", "我{years}年前离职了，公积金账户一直封存着，"],
            ["公积金能提取吗？一年能取几次？", "提取需要什么材料？能在手机上办吗？", "提取的钱多久到账？"]
        ),
        (
            "住建", ["我和爱人都在交公积金，准备在{dist}买第一套房，", "我在{city}交了{years}年公积金，现在回大同买房，"],
            ["公积金贷款最多能贷多少？", "异地缴存的公积金能在大同贷款吗？", "办公积金贷款需要准备哪些材料？"]
        ),
        (
            "住建", ["我家三口人，月收入不到{income}元，在大同没有房，", "我是刚毕业的大学生，在{dist}上班，"],
            ["公租房怎么申请？要排多久？", "租金怎么算？能申请租赁补贴吗？"]
        ),
        (
            "住建", ["我们小区电梯坏了两个月没人修，物业说要动用维修基金，", "我们{dist}的老旧小区说要改造，想加装电梯，"],
            ["维修基金怎么申请使用？需要多少业主签字？", "加装电梯政府有补贴吗？费用怎么分摊？"]
        ),
        (
            "市场监管", ["我想在{dist}开一家{shop}，", "我和朋友准备合伙在{dist}注册一个公司，", "我想在网上卖黄花和大同特产，"],
            ["营业执照怎么办？个体户和公司哪个合适？", "网上全程电子化能办下来吗？要几天？", "需要先办食品经营许可证吗？"]
        ),
        (
            "市场监管", ["我的个体工商户不想干了，", "公司已经一年多没有经营了，"],
            ["注销营业执照要走哪些流程？", "简易注销需要什么条件？"]
        ),
        (
            "市场监管",
            [
                "我在{dist}一家超市买的牛奶过期了，商家不给退，", "我在{dist}一家美容店办了卡，现在店关门了，",
                "网上买的电暖器收到就坏了，商家就在大同，",
            ],
            ["该找哪个部门投诉？", "可以打12315吗？能要求赔偿吗？"]
        ),
        (
            "教育",
            [
                "孩子今年九月该上小学了，户口在{dist}，但我们住在{dist2}，", "我们是随迁子女家庭，在大同交社保{years}年了，",
                "孩子今年该上一年级，我们刚在{dist}买了房还没落户，",
            ],
            ["应该报哪个学校？网上报名什么时候开始？", "需要准备哪些材料？房产证和户口本都要吗？", "按学区划片的话能上哪所学校？"]
        ),
        (
            "教育", ["孩子从{city}转学回大同读初二，", "我们工作调动到{dist}，孩子在{city}上四年级，"],
            ["转学手续怎么办？学籍怎么转？", "需要先联系接收学校吗？"]
        ),
        (
            "教育", ["孩子今年三岁了，想上公办幼儿园，", "家里是低保户，孩子在{dist}上高中，"],
            ["有什么入学政策或者资助政策？", "具体找哪个部门、怎么申请？"]
        ),
        (
            "民政",
            [
                "{elder}今年{age}岁了，一个人住在{dist}，没有退休金，", "我和爱人都没有稳定工作，家里{parent}常年卧病在床，",
                "我是残疾人，一直打零工，收入很不稳定，",
            ],
            ["能申请低保吗？去哪里提交？", "低保审核要多长时间？每月能领多少？", "家里有点存款的话还能申请吗？"]
        ),
        (
            "民政", ["我父亲今年{oldAge}岁了，户口在{dist}，", "{elder}八十多岁了，一个人住，"],
            ["高龄津贴怎么领？需要每年认证吗？", "社区有没有居家养老服务或者老年餐桌？"]
        ),
        (
            "民政", ["我和女朋友准备下个月领证，她户口在{city}，", "我们想在{holiday}那天登记结婚，"],
            ["在大同能登记吗？需要带哪些材料？", "需要提前预约吗？节假日能办吗？"]
        ),
        (
            "民政", ["{kin}是二级肢体残疾，", "我孩子有智力残疾，已经办了残疾证，"],
            ["残疾人两项补贴怎么申请？", "护理补贴每月多少？在哪里申请？"]
        ),
    ]

    fileprivate static let servicePools: [String: Pool] = [
        "city": Pool(["太原", "朔州", "忻州", "呼和浩特", "北京", "张家口", "石家庄", "天津", "包头", "鄂尔多斯", "西安", "郑州", "乌兰察布", "阳泉", "长治"]
        ),
        "dist": Pool(["平城区", "云冈区", "云州区", "新荣区", "左云县", "阳高县", "天镇县", "广灵县", "灵丘县", "浑源县", "平城区", "云冈区"]),
        "years": Pool(["两", "三", "四", "五", "六", "七", "八", "十", "十几"]),
        "money": Pool(["三万多", "1.8万", "四万五", "两万六千多", "12000多", "八千多", "六万多"]),
        "kin": Pool(["我父亲", "我母亲", "我爱人", "我公公", "我婆婆", "我岳父", "家里老人", "我姥姥"]),
        "parent": Pool(["父母", "两位老人", "老母亲", "老父亲"]),
        "elder": Pool(["我父亲", "我母亲", "我姥姥", "我奶奶", "家里老人", "我岳母"]),
        "age": Pool(["六十七", "七十二", "68", "75", "六十九"]),
        "oldAge": Pool(["八十二", "86", "九十", "81"]),
        "retireAge": Pool(["60", "55", "50", "六十"]),
        "rent": Pool(["800", "1200", "950", "1500", "1100"]),
        "income": Pool(["3000", "2500", "4000"]),
        "area": Pool(["89", "96", "112", "75", "128"]),
        "shop": Pool(["小饭馆", "面馆", "奶茶店", "便利店", "理发店", "刀削面馆", "水果店", "烧麦馆", "五金店", "花店", "兔头店"]),
        "months": Pool(["三", "四", "五", "两"]),
        "monthsOld": Pool(["两", "三", "五", "八"]),
        "month": Pool(["3月份", "5月份", "上个月", "年初"]),
        "holiday": Pool(["七夕", "5月20日", "国庆节", "元旦"]),
    ]
    fileprivate static let serviceOpeners = [
        "", "", "您好，", "你好，", "请问一下，", "你好，想咨询一下，", "麻烦问一下，", "打扰一下，", "12345您好，", "咨询：",
    ]
    fileprivate static let serviceClosers = [
        "", "", "谢谢！", "谢谢。", "麻烦尽快回复，谢谢。", "我白天上班，最好能网上办。", "需要本人到场吗？", "周末能办吗？", "{dist}政务服务中心能办吗？",
        "要不要提前预约？", "在线等，急。",
    ]
    fileprivate static let serviceAsides = [
        "我上周打过一次电话，说让等通知，到现在也没消息。", "网上说法不一样，有的说要回原籍办，有的说不用。", "我年纪大了，不太会用手机APP。",
        "之前去窗口问过，说材料不全，具体缺什么也没讲清楚。", "在“三晋通”APP上没找到入口。", "我看政策说今年有调整，不知道具体怎么执行。",
        "昨天去大厅排了两个小时队，到我这儿说系统维护。",
    ]

    /// One citizen question, answered by the department its topic belongs to.
    fileprivate static func governmentQuestion(_ seed: Draft) -> DemoDocument {
        var draft = seed
        let messy = draft.rng.int(0...14) == 0
        let topic = draft.rng.pick(topics)
        if messy { draft.punctuation = .halfWidth }
        let ask = draft.rng.pick(topic.asks)
        draft.write(draft.rng.pick(serviceOpeners) + draft.rng.pick(topic.situations) + ask)
        if messy {
            let aside = draft.rng.pick(serviceAsides)
            draft.write(aside + draft.rng.pick(serviceAsides.filter { $0 != aside }))
            draft.write(draft.rng.pick(topic.asks.filter { $0 != ask }) + "??")
        } else if draft.rng.chance(20) {
            draft.write(draft.rng.pick(serviceAsides))
        }
        draft.write(draft.rng.pick(serviceClosers))
        return DemoDocument(text: draft.text, choices: ["department": topic.department], multiChoices: [:], spans: [])
    }
}

// MARK: - Smart-city reports

extension DemoCorpus {
    fileprivate static let cityPools: [String: Pool] = [
        "S": Pool(
            [
                "Yingbin East Road", "Yingbin West Road", "Weidu Avenue", "Yuhe North Road", "Yuhe South Road",
                "Xinjian North Road",
                "Xinjian South Road", "Daxi Street", "Dadong Street", "Danan Street", "Dabei Street", "Wenxing Road",
                "Yunzhong Road",
                "Taihe Road", "Beidu Street", "Kaiyuan Street", "Heyang Street", "Qingyuan Street",
                "Yongtai South Road",
                "Yongtai North Road", "Xiangyang Street", "Yungang Road", "South Ring Road", "North Ring Road",
                "East Ring Road",
                "Yanbei Road", "Huayan Street", "Yudong Avenue",
            ], label: "STREET"),
        // Landmarks that read naturally without "the"; heritage sites in "H" always follow "the".
        "L": Pool(
            [
                "Huayan Temple", "Shanhua Temple", "Guandi Temple", "Wenying Lake Park", "Datong Park",
                "Datong Railway Station", "Datong South Railway Station",
                "Datong Museum", "Datong Library", "Datong University", "Datong No. 1 Middle School", "Hongqi Square",
                "Yuhe Ecological Park", "Datong Grand Theatre", "Datong Sports Center",
                "Datong Third People's Hospital",
                "Fahua Temple",
            ], label: "LANDMARK"),
        "H": Pool(
            [
                "Huayan Temple", "Shanhua Temple", "Nine-Dragon Screen", "Drum Tower", "Datong City Wall",
                "Guandi Temple",
                "Daiwang Mansion", "Fahua Temple", "Yungang Grottoes",
            ], label: "LANDMARK"),
        // Weighted towards the two urban districts, where most of the streets and landmarks are.
        "D": Pool(
            [
                "Pingcheng District", "Pingcheng District", "Pingcheng District", "Pingcheng District",
                "Pingcheng District",
                "Yungang District", "Yungang District", "Yungang District", "Yunzhou District",
                "Xinrong District", "Zuoyun County", "Hunyuan County", "Yanggao County", "Tianzhen County",
                "Guangling County",
                "Lingqiu County",
            ], label: "DISTRICT"),
        "since": Pool([
            "since Monday", "since last night", "for three days now", "since the weekend", "for over a week",
            "since the rain on Tuesday", "since yesterday afternoon", "for about two weeks",
            "since the start of the month",
            "since before the holiday",
        ]),
        "dark": Pool(["after 8 pm", "after dark", "from about 7 pm", "by half past six in winter", "all night"]),
        "bus": Pool(["4", "15", "30", "601", "K1", "22", "38"]),
    ]

    /// Main issues; each category's sentences stand on their own as a report's first sentence.
    fileprivate static let cityIssues: [(category: String, templates: [String])] = [
        (
            "roads",
            [
                "Large pothole on {S} just past the {L} entrance, about a metre wide and deep enough to damage tyres.",
                "A manhole cover is missing on {S} near {L}; someone put a traffic cone in the hole but it is easy to miss at night.",
                "The road surface on {S} in {D} has sunk by several centimetres over a stretch of roughly 20 metres {since}.",
                "Broken pavement tiles along {S} outside {L}, several of them loose and rocking when you step on them.",
                "Asphalt at the junction of {S} and {S2} is breaking up and chunks are coming loose into the cycle lane.",
                "Road works on {S} finished weeks ago, but the trench was never properly resurfaced.",
                "A sinkhole is opening next to the kerb on {S}, {D}, close to the {L} bus stop.",
                "The pedestrian underpass near {L} has broken steps and exposed rebar on the north side.",
            ]
        ),
        (
            "lighting",
            [
                "Streetlight out on {S} near the {L} bus stop {since}; the whole block is dark {dark}.",
                "Four or five lamps in a row are off along {S} between {S2} and the {L} gate.",
                "The path lights around {L} stay off at night; only the ones near the main entrance work.",
                "A streetlight on {S} in {D} keeps flickering on and off all night, {since}.",
                "The streetlights on {S} come on at noon and are still on the next morning.",
                "The lamp post outside {L} on {S} is leaning badly after a truck hit it, and the light is out.",
                "No lighting at all in the alley connecting {S} and {S2}; residents use their phone torches.",
            ]
        ),
        (
            "waste",
            [
                "Rubbish bins outside {L} on {S} are overflowing and have not been emptied {since}.",
                "Someone is dumping construction rubble on the empty lot beside {S} in {D}, mostly at night.",
                "The recycling point near {L} smells terrible; food waste is being thrown into the sorted bins.",
                "Bags of household waste are piled against the wall on {S}, and stray dogs are tearing them open.",
                "The garbage truck has skipped our compound on {S} {since}; the collection point is full.",
                "Coal ash and cinders have been dumped along the roadside on {S}, {D}.",
            ]
        ),
        (
            "noise",
            [
                "Square dancing music in the plaza outside {L} is extremely loud every evening until almost 10 pm.",
                "Night construction on {S} near {L} runs past midnight with pile driving, {since}.",
                "A KTV on {S} in {D} has speakers facing the street; we can hear it until 2 am.",
                "Street vendors near {L} play recorded sales announcements on a loop from 7 am.",
                "Trucks sound their air horns on {S} through the night near the {L} junction.",
                "The shop on the corner of {S} and {S2} blasts music through an outdoor speaker all day.",
            ]
        ),
        (
            "water",
            [
                "Burst water main on {S} near {L}; water has been running across the road {since}.",
                "No running water in our building on {S}, {D}, {since}, and nobody announced a planned cut.",
                "Tap water in our compound off {S} comes out yellow and smells of rust.",
                "The storm drain on {S} outside {L} is blocked; after yesterday's rain the water was ankle-deep.",
                "Very low water pressure on the upper floors of the buildings along {S} every evening.",
                "Sewage is backing up through a manhole on {S}, {D}; the smell reaches the {L} entrance.",
            ]
        ),
        (
            "traffic",
            [
                "The traffic light at {S} and {S2} has been stuck on red in one direction {since}.",
                "Cars are parked on the pavement all along {S} outside {L}, so pedestrians have to walk in the road.",
                "The pedestrian signal at the {L} crossing on {S} is too short for elderly people to get across.",
                "A stop sign at the {S} junction in {D} was knocked down and is lying in the verge.",
                "Electric scooters ride against the traffic on {S} near {L} every morning rush hour.",
                "Tour buses double-park on {S} next to {L} and block a whole lane.",
            ]
        ),
        (
            "heritage",
            [
                "Fresh graffiti has been sprayed near the entrance of the {H}, on the side facing {S}.",
                "Several bricks have come loose at the {H} near {S}, and the spot is not fenced off.",
                "Vendors have set up stalls right against the walls of the {H} and are hammering nails into the old timber.",
                "Tourists climb the railings at the {H} to take photos, and one of the carved stones is now cracked.",
                "A new shop sign on {S} next to the {H} has been bolted straight into the historic facade.",
                "Illegal construction inside the protection zone of the {H} in {D}: a two-storey extension is going up.",
            ]
        ),
    ]

    /// Sentences adding a second category, used only after a main issue whose template contains one of `after`.
    fileprivate static let cityAddons: [(category: String, after: [String], text: String)] = [
        (
            "roads", ["Burst water", "storm drain"],
            "The water has frozen into a sheet of ice overnight and cyclists keep slipping."
        ),
        ("roads", ["Burst water"], "The flooding has already washed out part of the road edge."),
        ("roads", ["stuck on red", "stop sign"], "On top of that, there is a deep pothole right at the stop line."),
        (
            "traffic", ["pothole", "manhole", "sinkhole", "breaking up"],
            "Cars swerve into the opposite lane to avoid it."
        ),
        (
            "traffic", ["Burst water", "has sunk", "sinkhole", "Road works"],
            "It causes a long queue at rush hour, especially for the number {bus} bus."
        ),
        (
            "traffic", ["Streetlight out", "lamps in a row", "flickering"],
            "Drivers cannot see pedestrians crossing there at night; I saw two near misses this week."
        ),
        (
            "lighting",
            ["pothole", "manhole", "sinkhole", "pavement tiles", "underpass", "stop sign", "household waste"],
            "The streetlights on that stretch are out too, so it is almost invisible {dark}."
        ),
        (
            "lighting", ["graffiti", "railings", "bricks"],
            "The floodlights on the {H} have also been switched off for weeks."
        ),
        ("waste", ["Night construction"], "The site also dumps its construction waste into the green belt."),
        (
            "waste", ["KTV", "Square dancing", "Street vendors"],
            "People leave bottles and takeaway boxes all over the pavement afterwards."
        ),
        ("waste", ["storm drain"], "The drain is clogged with plastic bags and leaves that nobody clears."),
        ("waste", ["Vendors", "railings"], "Visitors leave bottles and food wrappers all along the base of the wall."),
        (
            "noise", ["stuck on red", "Tour buses", "on the pavement"],
            "Drivers stuck in the jam lean on their horns until late at night."
        ),
        ("noise", ["Illegal construction"], "They work with power tools until after 11 pm."),
        (
            "water", ["has sunk", "sinkhole", "pavement tiles"],
            "Water seeps up through the cracks, so it may be a leaking pipe underneath."
        ),
        (
            "heritage", ["rubble", "Coal ash", "Night construction", "Tour buses", "Street vendors"],
            "This is inside the protection zone of the {H}, and it looks terrible for visitors."
        ),
        ("heritage", ["Sewage", "Burst water"], "The water is running toward the foundations of the {H} nearby."),
    ]

    fileprivate static let cityDetails: [String: [String]] = [
        "roads": ["A delivery rider came off his scooter there yesterday.", "Cars have to brake hard to avoid it."],
        "lighting": [
            "Older residents coming back from the night market have already tripped there.",
            "Parents walking kids home from evening classes are worried.",
        ],
        "waste": ["The smell is especially bad in the afternoon.", "Rats have been seen around the bins."],
        "noise": [
            "Many of us work early shifts and cannot sleep.",
            "There is a kindergarten next door and the children nap at noon.",
        ],
        "water": [
            "Elderly residents on the top floors are carrying buckets up the stairs.",
            "The pavement there is now muddy and slippery.",
        ],
        "traffic": [
            "A child was nearly hit there last week.",
            "Buses cannot reach the stop and let passengers off in the middle of the road.",
        ],
        "heritage": [
            "This is one of the most visited spots in the old city.",
            "Tour groups pass all day and the damage is getting worse.",
        ],
    ]
    fileprivate static let cityOpeners = [
        "Hello.", "Hi, I want to report a problem.", "Reporting on behalf of our residents' committee.",
        "Second time reporting this.", "Good morning.",
    ]
    fileprivate static let cityClosers = [
        "Please send someone to look at it.", "Photo attached.",
        "This has been reported twice already with no response.",
        "Kids walk past here on the way to school every morning.", "Can someone please fix it before the weekend?",
        "Call me on this number if you need more details.", "Thanks.", "Please handle it as soon as possible.",
        "It is dangerous for older residents.",
    ]
    fileprivate static let messyClosers = [
        "pls fix asap", "谢谢!!", "thx, photos in the app", "same problem as last year, nobody came",
    ]

    /// One city report: a main issue, maybe a second category that follows from it, and labelled place names.
    fileprivate static func cityReport(_ seed: Draft) -> DemoDocument {
        var draft = seed
        let messy = draft.rng.int(0...14) == 0
        if messy { draft.punctuation = .fullWidth }
        let issue = draft.rng.pick(cityIssues)
        var categories = [issue.category]
        if !messy, draft.rng.chance(25) { draft.write(draft.rng.pick(cityOpeners) + " ") }
        let template = draft.rng.pick(issue.templates)
        draft.write(template)
        let addons = cityAddons.filter { $0.after.contains { template.contains($0) } }
        if !addons.isEmpty, messy || draft.rng.chance(35) {
            let addon = draft.rng.pick(addons)
            categories.append(addon.category)
            draft.write(" " + addon.text)
        }
        if messy || draft.rng.chance(45) { draft.write(" " + draft.rng.pick(cityDetails[issue.category] ?? [])) }
        if messy || draft.rng.chance(20) {
            draft.write(draft.rng.pick([" Location: {S}, {D}.", " Area: {D}, near {L}."]))
        }
        if messy {
            draft.write(" " + draft.rng.pick(messyClosers))
        } else if draft.rng.chance(55) {
            draft.write(" " + draft.rng.pick(cityClosers))
        }
        let ordered = cityCategories.filter { categories.contains($0) }
        return DemoDocument(text: draft.text, choices: [:], multiChoices: ["category": ordered], spans: draft.spans)
    }
}

/// The demo draws from LabelParkCore's generator, so its output never depends on the system generator.
extension SplitMix64 {
    /// Starts one document's stream, so document `i` does not depend on how many are generated.
    fileprivate init(seed: UInt64, stream: Int) {
        self.init(seed: seed &+ UInt64(truncatingIfNeeded: stream) &* 0xD1B5_4A32_D192_ED03)
        _ = next()
    }

    /// A uniform integer in `range`, by multiply-high so results don't depend on the standard library's algorithm.
    fileprivate mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(width.multipliedFullWidth(by: next()).high)
    }

    /// One element of a non-empty array.
    fileprivate mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// True with the given probability in percent.
    fileprivate mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
}
