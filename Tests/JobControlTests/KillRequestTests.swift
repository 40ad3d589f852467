import Testing
@testable import JobControl
import JobControlSystem

@Suite struct KillRequestTests {
    @Test func payloadRoundTrip() {
        for r in [KillRequest(signal: 15, grace: 10_000_000_000), KillRequest(signal: 9, grace: nil),
                  KillRequest(signal: 1, grace: 0), KillRequest(signal: 64, grace: 86_400_000_000_000)] {
            #expect(KillRequest(payload: r.payload) == r)
        }
    }
}
