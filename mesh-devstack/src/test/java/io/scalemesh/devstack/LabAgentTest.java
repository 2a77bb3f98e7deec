package io.scalemesh.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The agent writes its JSON by hand: a failure's message, with its newlines and quotes, must stay one valid string. */
class LabAgentTest {

    @Test
    void summariesAreEscapedAsJsonStrings() {
        assertEquals("\"Redis exited while starting:\\n\\\"port\\\" \\\\ taken\\t\\u0001\"",
                LabAgent.jsonString("Redis exited while starting:\n\"port\" \\ taken\t\u0001"));
        assertEquals("\"127.0.0.1:8085\"", LabAgent.jsonString("127.0.0.1:8085"));
    }
}
