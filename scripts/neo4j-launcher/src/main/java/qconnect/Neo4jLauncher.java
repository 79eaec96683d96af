package qconnect;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Runs an embedded Neo4j Community DBMS that serves Bolt on 127.0.0.1 until the
 * process is terminated. Started and stopped by scripts/neo4j.
 *
 * Usage: Neo4jLauncher HOME_DIR BOLT_PORT
 *
 * HOME_DIR holds data/ (databases, transaction logs) and logs/ (debug.log).
 */
public final class Neo4jLauncher {

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: Neo4jLauncher HOME_DIR BOLT_PORT");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);

        DatabaseManagementService dbms;
        try {
            dbms = new DatabaseManagementServiceBuilder(home)
                    // Route the user-facing log (startup, errors) to stdout, which
                    // the script redirects to DIR/neo4j.log; debug.log stays in logs/.
                    .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                    .setConfig(HttpConnector.enabled, false)
                    // Bolt otherwise waits 2 x 5 s on shutdown, after the databases
                    // are already closed; that would make every `stop` slow.
                    .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofMillis(500))
                    .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(500))
                    // Local dev/test instance only: bound to loopback, no credentials.
                    .setConfig(GraphDatabaseSettings.auth_enabled, false)
                    // The machine is shared with the test suite; the default would
                    // size the page cache from total RAM.
                    .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(512))
                    // No phoning home: the sandbox only reaches package registries.
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    .build();
        } catch (RuntimeException e) {
            System.err.println("Neo4j failed to start: " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }

        // SIGTERM runs shutdown hooks; shutting down cleanly flushes the page
        // cache and avoids recovery on the next start.
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Shutting down Neo4j...");
            try {
                dbms.shutdown();
            } finally {
                System.out.println("Neo4j stopped.");
                System.out.flush();
                stopped.countDown();
            }
        }, "neo4j-shutdown"));

        System.out.println("Neo4j ready: bolt://127.0.0.1:" + port + " (home " + home + ")");
        System.out.flush();
        stopped.await();
    }
}
