import Testing
@testable import SeqNN

/// Learning rates at the breakpoints against bench/golden/schedule_golden.py (transformers
/// 5.24 schedulers driven through LambdaLR; fairseq's inverse_sqrt step_update written out).
@Suite struct ScheduleTests {
    static let steps = [0, 1, 5, 9, 10, 11, 30, 55, 99, 100, 101, 150]
    static let peak: Float = 5e-4

    static func check(_ schedule: LRSchedule, _ expected: [Double]) {
        for (step, want) in zip(steps, expected) {
            let got = schedule.learningRate(atStep: step)
            #expect(abs(Double(got) - want) <= 1e-6 * want + 1e-12, "step \(step): \(got) vs \(want)")
        }
    }

    @Test func constant() {
        for step in [0, 1, 1000, 1_000_000] { #expect(LRSchedule.constant(peak: 3e-4).learningRate(atStep: step) == 3e-4) }
    }

    // get_constant_schedule_with_warmup(opt, 10)
    @Test func linearWarmupThenConstant() {
        Self.check(.linearWarmup(peak: Self.peak, warmupSteps: 10),
                   [0.0, 5e-05, 0.00025, 0.00045000000000000004, 0.0005, 0.0005, 0.0005, 0.0005, 0.0005, 0.0005, 0.0005, 0.0005])
    }

    // get_linear_schedule_with_warmup(opt, 10, 100)
    @Test func linearWarmupLinearDecay() {
        Self.check(.linearWarmupLinearDecay(peak: Self.peak, warmupSteps: 10, totalSteps: 100),
                   [0.0, 5e-05, 0.00025, 0.00045000000000000004, 0.0005, 0.0004944444444444445, 0.0003888888888888889,
                    0.00025, 5.555555555555556e-06, 0.0, 0.0, 0.0])
    }

    // get_cosine_schedule_with_warmup(opt, 10, 100) and num_cycles=1.5
    @Test func cosineWithWarmup() {
        Self.check(.cosineWarmup(peak: Self.peak, warmupSteps: 10, totalSteps: 100),
                   [0.0, 5e-05, 0.00025, 0.00045000000000000004, 0.0005, 0.0004998477067547739, 0.0004415111107797445,
                    0.00025, 1.5229324522605948e-07, 0.0, 1.5229324522605948e-07, 0.0002934120444167325])
        Self.check(.cosineWarmup(peak: Self.peak, warmupSteps: 10, totalSteps: 100, cycles: 1.5),
                   [0.0, 5e-05, 0.00025, 0.00045000000000000004, 0.0005, 0.0004986304738420684, 0.00012500000000000006,
                    0.00024999999999999995, 1.3695261579316497e-06, 0.0, 1.369526157931622e-06, 0.00012500000000000025])
    }

    // fairseq inverse_sqrt, --warmup-updates 10, --warmup-init-lr default (0) and 1e-7
    @Test func inverseSquareRoot() {
        Self.check(.inverseSquareRoot(peak: Self.peak, warmupSteps: 10),
                   [0.0, 5e-05, 0.00025, 0.00045000000000000004, 0.0005, 0.0004767312946227962, 0.00028867513459481284,
                    0.00021320071635561044, 0.00015891043154093207, 0.00015811388300841897, 0.00015732919388188816,
                    0.00012909944487358058])
        Self.check(.inverseSquareRoot(peak: Self.peak, warmupSteps: 10, warmupInitial: 1e-7),
                   [1e-07, 5.009000000000001e-05, 0.00025005000000000003, 0.0004500100000000001, 0.0005, 0.0004767312946227962,
                    0.00028867513459481284, 0.00021320071635561044, 0.00015891043154093207, 0.00015811388300841897,
                    0.00015732919388188816, 0.00012909944487358058])
    }

    @Test func zeroWarmupStartsAtThePeak() {
        #expect(LRSchedule.linearWarmup(peak: 1, warmupSteps: 0).learningRate(atStep: 0) == 1)
        #expect(LRSchedule.linearWarmupLinearDecay(peak: 1, warmupSteps: 0, totalSteps: 4).learningRate(atStep: 0) == 1)
        #expect(LRSchedule.linearWarmupLinearDecay(peak: 1, warmupSteps: 0, totalSteps: 4).learningRate(atStep: 2) == 0.5)
        #expect(LRSchedule.cosineWarmup(peak: 1, warmupSteps: 0, totalSteps: 4).learningRate(atStep: 0) == 1)
        #expect(LRSchedule.inverseSquareRoot(peak: 1, warmupSteps: 0).learningRate(atStep: 0) == 1)
        #expect(LRSchedule.inverseSquareRoot(peak: 1, warmupSteps: 0).learningRate(atStep: 4) == 0.5)
    }

    @Test func codableRoundTrip() throws {
        let schedules: [LRSchedule] = [.constant(peak: 1), .linearWarmupLinearDecay(peak: 2e-5, warmupSteps: 3, totalSteps: 9),
                                       .cosineWarmup(peak: 1, warmupSteps: 1, totalSteps: 2, cycles: 2),
                                       .inverseSquareRoot(peak: 5e-4, warmupSteps: 4000, warmupInitial: 1e-7)]
        let data = try JSONEncoder().encode(schedules)
        #expect(try JSONDecoder().decode([LRSchedule].self, from: data) == schedules)
    }
}

import Foundation
