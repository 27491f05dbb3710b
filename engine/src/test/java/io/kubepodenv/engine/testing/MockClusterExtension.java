package io.kubepodenv.engine.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh {@link MockCluster} for each test: register with
 * {@code @RegisterExtension final MockClusterExtension mock = new MockClusterExtension();} and use
 * {@link #cluster()}.
 */
public final class MockClusterExtension implements BeforeEachCallback, AfterEachCallback {
    private MockCluster cluster;

    public MockCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the mock cluster exists only while a test runs");
        }
        return cluster;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        cluster = new MockCluster();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}
