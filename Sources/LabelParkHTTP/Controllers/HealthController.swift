import Hummingbird
import LabelParkCore
import NIOCore
import Prometheus

/// Liveness.
struct HealthController {
    func addRoutes(to router: Router<ParkRequestContext>) {
        router.get("healthz") { _, _ in JSONResponse.make(.object(["status": .string("ok")])) }
    }
}

/// Prometheus metrics, on the metrics listener only.
struct MetricsController {
    let registry: PrometheusCollectorRegistry

    func addRoutes(to router: Router<ParkRequestContext>) {
        router.get("metrics") { _, _ in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            var headers: HTTPFields = [:]
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
