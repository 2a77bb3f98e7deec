package io.scalemesh.gateway.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The lab reads every instance's /q/metrics: OpenMetrics lines with exemplars, quoted labels and histogram buckets. */
class PrometheusTextTest {

    private static final String SCRAPE = String.join("\n",
            "# TYPE scalemesh_billing_charged_minor counter",
            "scalemesh_billing_charged_minor_total{currency=\"EUR\",kind=\"action.purchase\"} 1980.0 # {span_id=\"6d1c\",trace_id=\"e348\"} 99.0 1796297276.020",
            "scalemesh_billing_charged_minor_total{currency=\"EUR\",kind=\"task.sum\"} 3000.0",
            "scalemesh_task_queue_depth{service=\"task-service\"} 42.0",
            "odd_labels{path=\"/a\\\"b}\",x=\"1\"} 7",
            "plain_gauge 3.5",
            "http_server_requests_seconds_bucket{method=\"GET\",uri=\"/api/v1/profiles/{id}\",le=\"0.005\"} 10.0",
            "http_server_requests_seconds_bucket{method=\"GET\",uri=\"/api/v1/profiles/{id}\",le=\"+Inf\"} 12.0",
            "http_server_requests_seconds_bucket{method=\"GET\",uri=\"/q/metrics\",le=\"0.005\"} 99.0",
            "http_server_requests_seconds_bucket{method=\"GET\",uri=\"/q/metrics\",le=\"+Inf\"} 99.0",
            "");

    @Test
    void samplesWithExemplarsAndQuotedBracesParse() {
        PrometheusText text = PrometheusText.parse(SCRAPE);
        assertEquals(4980.0, text.sum("scalemesh_billing_charged_minor_total"));
        assertEquals(1980.0, text.sum("scalemesh_billing_charged_minor_total", l -> "action.purchase".equals(l.get("kind"))));
        assertEquals(42.0, text.sum("scalemesh_task_queue_depth"));
        assertEquals(7.0, text.sum("odd_labels", l -> "/a\"b}".equals(l.get("path")) && "1".equals(l.get("x"))));
        assertEquals(3.5, text.sum("plain_gauge"));
    }

    @Test
    void bucketsAreSummedPerBoundOverTheSeriesChosen() {
        Map<Double, Double> buckets = PrometheusText.parse(SCRAPE).buckets("http_server_requests_seconds",
                l -> !l.get("uri").startsWith("/q/"));
        assertEquals(Map.of(0.005, 10.0, Double.POSITIVE_INFINITY, 12.0), buckets);
    }
}
