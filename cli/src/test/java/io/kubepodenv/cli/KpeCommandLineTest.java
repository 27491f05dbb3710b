package io.kubepodenv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.kubepodenv.engine.naming.ObjectLabels;
import io.kubepodenv.engine.Options;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

@EnableKubernetesMockClient(crud = true)
class KpeCommandLineTest {
    KubernetesClient client;
    io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server;

    @TempDir
    Path dir;

    private final AtomicInteger clientsMade = new AtomicInteger();

    /** The result of one run of the command line. */
    record Run(int exitCode, String out, String err) {
    }

    private Run run(String... args) {
        Function<Options, KubernetesClient> clients = options -> {
            clientsMade.incrementAndGet();
            return new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(client.getConfiguration()).build();
        };
        CommandLine cmd = Kpe.commandLine(new Kpe(clients));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void renderPrintsTheValidatedObjectsReproduciblyWithAFixedId() {
        Run first = run("render", "shop/PR-7", "--id", "shop-pr-7-abcde", "--storage-size", "12.5");
        Run second = run("render", "shop/PR-7", "--id", "shop-pr-7-abcde", "--storage-size", "12.5");
        assertThat(first.exitCode()).isZero();
        assertThat(first.out()).isEqualTo(second.out());
        assertThat(first.out()).contains("kind: StatefulSet", "name: shop-pr-7-abcde", "storage: 12.5Gi",
            "kube-pod-env.io/key: shop/PR-7", "app.kubernetes.io/component: docker-host");
        assertThat(first.out()).doesNotContain("created-at");
        assertThat(clientsMade).hasValue(0);
    }

    @Test
    void renderWithoutIdUsesANewRandomIdEachTime() {
        assertThat(run("render", "k").out()).isNotEqualTo(run("render", "k").out());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "up k -n Bad_Namespace                | namespace: 'Bad_Namespace' is not a valid namespace name",
        "up k --storage-size 0                | storage size: must be a positive number",
        "up k --storage-size 5Gi              | storage size: '5Gi' is not a number of GiB",
        "up k --storage-class Fast_SSD        | storage class: 'Fast_SSD' is not a valid StorageClass name",
        "up k --ready-timeout forever         | ready timeout: 'forever' is not a duration",
        "up k --ready-timeout 0               | ready timeout: must be positive",
        "up k --ready-timeout 7h              | ready timeout: 7h is longer than the 6h allowed",
        "up k --field-manager managér         | field manager: 1 to 128 printable ASCII characters",
        "up k --template /nonexistent.j2      | template: no such file: /nonexistent.j2",
        "down k --delete-timeout -5           | delete timeout: '-5' is not a duration",
        "up --no-such-option k                | Unknown option: '--no-such-option'",
        "up                                   | Missing required parameter: 'KEY'",
        "gc                                   | garbage collection needs a criterion",
        "gc --max-age soon                    | max age: 'soon' is not a duration",
        "render k --id Not_An_Id              | id: 'Not_An_Id' is not a valid instance id",
        "sync k --size-limit lots             | --size-limit: 'lots' is not a number of GiB",
        "sync k --back ../up                  | sync back: '../up' leaves the workspace",
        "sync k --exclude src/[ab             | exclude pattern 'src/[ab': '[' without ']'",
        "exec --back reports k -- true        | --back copies from the mirror that --sync makes; add --sync",
    })
    void badInputExitsWithCode2BeforeAnyClusterIsContacted(String args, String message) {
        Run run = run(args.strip().split("\\s+"));
        assertThat(run.exitCode()).as(run.err()).isEqualTo(Kpe.EXIT_BAD_INPUT);
        assertThat(run.err()).contains(message.strip());
        assertThat(clientsMade).hasValue(0);
    }

    @Test
    void aBadTemplateExitsWithCode2NamingTheLineAndSendsNothing() throws IOException {
        Path template = Files.writeString(dir.resolve("t.yaml.j2"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ id }}\n  labels:\n    flavour: {{ flavour }}\n");
        int before = requestCount();
        Run run = run("up", "k", "--template", template.toString());
        assertThat(run.exitCode()).isEqualTo(Kpe.EXIT_BAD_INPUT);
        assertThat(run.err()).contains("line 6", "Undefined variable: 'flavour'");
        assertThat(requestCount()).isEqualTo(before);
    }

    @Test
    void aKeyWithAControlCharacterIsRefused() {
        Run run = run("down", "bad\u0007key");
        assertThat(run.exitCode()).isEqualTo(Kpe.EXIT_BAD_INPUT);
        assertThat(run.err()).contains("control characters");
    }

    @Test
    void aRefusedCredentialExitsWithCode1NamingThe401AndTheKubeconfigToCheck() throws IOException {
        com.sun.net.httpserver.HttpServer refusing = com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        refusing.createContext("/", exchange -> {
            byte[] body = ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        refusing.start();
        try {
            String url = "http://127.0.0.1:" + refusing.getAddress().getPort();
            CommandLine cmd = Kpe.commandLine(new Kpe(options -> new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl(url).withOauthToken("wrong")
                    .withRequestRetryBackoffLimit(0).build()).build()));
            StringWriter err = new StringWriter();
            cmd.setOut(new PrintWriter(new StringWriter(), true));
            cmd.setErr(new PrintWriter(err, true));

            int code = cmd.execute("ls", "-n", "ns");

            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).contains("HTTP 401").contains("check the user of the kubeconfig in use");
        } finally {
            refusing.stop(0);
        }
    }

    @Test
    void lsOfAnEmptyNamespaceSaysSo() {
        Run run = run("ls", "-n", "empty");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("no environments in namespace empty");
    }

    /** The record an up killed before its StatefulSet leaves behind. */
    private void recordOfAKilledUp(String namespace, String key, String id) {
        io.kubepodenv.engine.EnvironmentKey k = io.kubepodenv.engine.EnvironmentKey.of(key);
        client.configMaps().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
            .withNewMetadata().withName(io.kubepodenv.engine.cluster.EnvironmentRecord.name(id))
            .addToLabels(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE)
            .addToLabels(ObjectLabels.COMPONENT, ObjectLabels.RECORD_COMPONENT)
            .addToLabels(ObjectLabels.INSTANCE, id).addToLabels(ObjectLabels.KEY_HASH, k.hash())
            .addToLabels(ObjectLabels.OWNER, "kpe")
            .addToAnnotations(ObjectLabels.KEY_ANNOTATION, key)
            .addToAnnotations(ObjectLabels.DOCKER_HOST, id).endMetadata().build()).create();
    }

    @Test
    void lsShowsAnEnvironmentWhoseUpWasKilledAsIncomplete() {
        recordOfAKilledUp("ns", "shop/PR-9", "shop-pr-9-abcde");
        Run run = run("ls", "-n", "ns");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("STATE").containsPattern("shop/PR-9 +shop-pr-9-abcde +ns +\\S+ +incomplete +\\? +kpe");
    }

    @Test
    void lsAsJsonMarksAnEnvironmentWhoseUpWasKilledAsNotComplete() {
        recordOfAKilledUp("ns", "shop/PR-9", "shop-pr-9-abcde");
        Run run = run("ls", "-n", "ns", "-o", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"id\" : \"shop-pr-9-abcde\"").contains("\"complete\" : false")
            .contains("\"ready\" : false");
    }

    @Test
    void lsAsJsonOfAnEmptyNamespaceIsAnEmptyArray() {
        Run run = run("ls", "-n", "empty", "-o", "json");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out().strip()).isEqualTo("[ ]");
    }

    @Test
    void downOfAMissingEnvironmentSucceedsAndSaysNothingWasDeleted() {
        Run run = run("down", "never-created", "-n", "ns");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("no environment of 'never-created' in namespace ns; nothing deleted");
    }

    @Test
    void sleepOfAMissingEnvironmentFailsWithExit1SayingNothingWasPutToSleep() {
        Run run = run("sleep", "never-created", "-n", "ns");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("no environment of 'never-created' in namespace ns; nothing to put to sleep");
    }

    @Test
    void wakeOfAMissingEnvironmentFailsWithExit1SayingUpCreatesOne() {
        Run run = run("wake", "never-created", "-n", "ns");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("no environment of 'never-created' in namespace ns to wake; 'up' creates one");
    }

    @Test
    void gcWithoutACriterionIsBadInputAndContactsNoCluster() {
        Run run = run("gc", "-n", "ns");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--max-idle").contains("--sleep-after");
        assertThat(clientsMade).hasValue(0);
    }

    @Test
    void gcWithASleepAfterShorterThanAMinuteIsBadInputAndContactsNoCluster() {
        Run run = run("gc", "-n", "ns", "--sleep-after", "30s");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("sleep after: 30s is shorter than the 1m allowed");
        assertThat(clientsMade).hasValue(0);
    }

    @Test
    void lsShowsASleepingEnvironmentsStateAndLastUseAsTextAndJson() {
        java.time.Instant used = java.time.Instant.now().minus(java.time.Duration.ofMinutes(90));
        io.kubepodenv.engine.EnvironmentKey key = io.kubepodenv.engine.EnvironmentKey.of("shop/PR-7");
        client.apps().statefulSets().inNamespace("ns").resource(new io.fabric8.kubernetes.api.model.apps
            .StatefulSetBuilder().withNewMetadata().withName("shop-pr-7-abcde").withNamespace("ns")
            .addToLabels(io.kubepodenv.engine.naming.ObjectLabels.MANAGED_BY,
                io.kubepodenv.engine.naming.ObjectLabels.MANAGED_BY_VALUE)
            .addToLabels(io.kubepodenv.engine.naming.ObjectLabels.COMPONENT,
                io.kubepodenv.engine.naming.ObjectLabels.DOCKER_HOST_COMPONENT)
            .addToLabels(io.kubepodenv.engine.naming.ObjectLabels.KEY_HASH, key.hash())
            .addToLabels(io.kubepodenv.engine.naming.ObjectLabels.INSTANCE, "shop-pr-7-abcde")
            .addToLabels(io.kubepodenv.engine.naming.ObjectLabels.OWNER, "kpe")
            .addToAnnotations(io.kubepodenv.engine.naming.ObjectLabels.KEY_ANNOTATION, key.value())
            .addToAnnotations(io.kubepodenv.engine.naming.ObjectLabels.LAST_USED_AT, used.toString())
            .addToAnnotations(io.kubepodenv.engine.naming.ObjectLabels.ASLEEP_SINCE, used.toString())
            .endMetadata().withNewSpec().withReplicas(0).endSpec().build()).create();

        Run text = run("ls", "-n", "ns");
        Run json = run("ls", "-n", "ns", "-o", "json");

        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("STATE", "LAST USE").containsPattern("shop/PR-7 .* sleeping +1h30m ago +kpe");
        assertThat(json.out()).contains("\"state\" : \"sleeping\"", "\"lastUsedAt\" : \"" + used + "\"",
            "\"asleepSince\" : \"" + used + "\"");
    }

    @Test
    void helpDescribesExitCodes() {
        Run run = run("--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("2 bad input (nothing was sent to the cluster)", "render", "gc");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "nosuch --help      | nosuch",
        "nosuch             | nosuch",
        "--help nosuch      | nosuch",
    })
    void anUnknownCommandIsBadInputNamingItEvenWithHelp(String args, String named) {
        Run run = run(args.strip().split("\\s+"));
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(Kpe.EXIT_BAD_INPUT);
        assertThat(run.err()).contains("'" + named.strip() + "'");
        assertThat(run.out()).isEmpty();
        assertThat(clientsMade).hasValue(0);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "exec --sync DIR k -- true          | DIR",
        "exec --sync DIR -n ns k -- true    | DIR",
        "exec --sync k -- true              | .",
        "exec --sync -n ns k -- true        | .",
        "exec --sync=DIR k -- true          | DIR",
    })
    void execSyncTakesAnExistingDirectoryUnlessItIsTheKey(String args, String expected) throws IOException {
        Path existing = Files.createDirectories(dir.resolve("ws"));
        String[] argv = args.strip().replace("DIR", existing.toString()).split("\\s+");
        CommandLine cmd = Kpe.commandLine(new Kpe(options -> client));
        CommandLine.ParseResult parsed = cmd.parseArgs(argv);
        ExecCommand exec = (ExecCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(exec.syncDir()).isEqualTo(expected.strip().equals("DIR") ? existing : Path.of("."));
    }

    @Test
    void syncHasItsOwnHelp() {
        Run run = run("sync", "--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: kpe sync", "same absolute path", "--back");
    }

    @Test
    void helpOfAKnownCommandStillExitsZero() {
        Run run = run("ls", "--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: kpe ls");
    }

    private int requestCount() {
        return server.getRequestCount();
    }
}
