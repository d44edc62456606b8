package dev.kj.controllers.job;

import dev.kj.api.client.ApiException;
import dev.kj.api.client.DeleteOptions;
import dev.kj.api.client.PatchType;
import dev.kj.api.client.ResourceClient;
import dev.kj.api.events.EventRecorder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the Job controller knows and does about pods: the facts it reads (active, failed,
 * completion index ...) and the calls it makes (create from the template, delete, drop the
 * tracking finalizer), each recorded as upstream's pod control records it.
 */
final class JobPods {
    static final String TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
    static final String COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
    static final String COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX";
    static final int MAX_UNCOUNTED_PODS = 500;
    static final int MAX_CREATE_DELETE_PER_SYNC = 500;
    /** Upstream's maxGeneratedNameLength: a generated name's prefix leaves room for 5 random characters. */
    private static final int MAX_GENERATE_NAME_PREFIX = 58;
    private static final String REMOVE_FINALIZER_PATCH =
            "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"" + TRACKING_FINALIZER + "\"]}}";

    private final ResourceClient<Pod> podsApi;
    private final EventRecorder recorder;

    JobPods(ResourceClient<Pod> podsApi, EventRecorder recorder) {
        this.podsApi = podsApi;
        this.recorder = recorder;
    }

    EventRecorder recorder() {
        return recorder;
    }

    static EventRecorder.InvolvedObject about(Job job) {
        return new EventRecorder.InvolvedObject("batch/v1", "Job", job.getMetadata().getNamespace(),
                job.getMetadata().getName(), job.getMetadata().getUid());
    }

    // ---- facts

    static OwnerReference controllerRef(Pod pod) {
        if (pod.getMetadata().getOwnerReferences() == null) {
            return null;
        }
        return pod.getMetadata().getOwnerReferences().stream()
                .filter(ref -> Boolean.TRUE.equals(ref.getController()) && "Job".equals(ref.getKind())
                        && "batch/v1".equals(ref.getApiVersion()))
                .findFirst().orElse(null);
    }

    static boolean controlledBy(Pod pod, Job job) {
        OwnerReference ref = controllerRef(pod);
        return ref != null && Objects.equals(ref.getUid(), job.getMetadata().getUid());
    }

    static boolean hasTrackingFinalizer(Pod pod) {
        return pod.getMetadata().getFinalizers() != null && pod.getMetadata().getFinalizers().contains(TRACKING_FINALIZER);
    }

    static String phase(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPhase();
    }

    static boolean terminal(Pod pod) {
        return "Succeeded".equals(phase(pod)) || "Failed".equals(phase(pod));
    }

    /** Upstream's FilterActivePods: neither finished nor being deleted. */
    static boolean isActive(Pod pod) {
        return !terminal(pod) && pod.getMetadata().getDeletionTimestamp() == null;
    }

    /** Being deleted and not finished (upstream's CountTerminatingPods). */
    static boolean isTerminating(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null && !terminal(pod);
    }

    static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Only failed pods are replaced (podReplacementPolicy Failed, or a pod failure policy). */
    static boolean onlyReplaceFailed(Job job) {
        return "Failed".equals(job.getSpec().getPodReplacementPolicy()) || job.getSpec().getPodFailurePolicy() != null;
    }

    /** Failed; or, unless only failed pods are replaced, deleted before it succeeded (an orphan never finishes). */
    static boolean isFailed(Pod pod, Job job) {
        if ("Failed".equals(phase(pod))) {
            return true;
        }
        if (onlyReplaceFailed(job)) {
            return false;
        }
        return pod.getMetadata().getDeletionTimestamp() != null && !"Succeeded".equals(phase(pod));
    }

    static boolean indexed(Job job) {
        return "Indexed".equals(job.getSpec().getCompletionMode());
    }

    /** The pod's completion index from its annotation, or -1. */
    static int completionIndex(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(COMPLETION_INDEX);
        if (value == null || value.isEmpty()) {
            return -1;
        }
        try {
            int index = Integer.parseInt(value);
            return index < 0 ? -1 : index;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The order in which active pods go first (upstream's controller.ActivePods, its main keys):
     * unscheduled before scheduled, Pending before Unknown before Running, not ready before ready,
     * more restarts before fewer, newer before older.
     */
    static final Comparator<Pod> REMOVAL_ORDER = Comparator
            .comparing((Pod pod) -> pod.getSpec() != null && pod.getSpec().getNodeName() != null
                    && !pod.getSpec().getNodeName().isEmpty())
            .thenComparingInt(pod -> switch (Objects.requireNonNullElse(phase(pod), "Pending")) {
                case "Pending" -> 0;
                case "Unknown" -> 1;
                case "Running" -> 2;
                default -> 3;
            })
            .thenComparing(JobPods::isReady)
            .thenComparing(Comparator.comparingInt(JobPods::restarts).reversed())
            .thenComparing(Comparator.comparing((Pod pod) -> Objects.requireNonNullElse(
                    pod.getMetadata().getCreationTimestamp(), "")).reversed());

    private static int restarts(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return 0;
        }
        return pod.getStatus().getContainerStatuses().stream().mapToInt(s -> JobController.intOf(s.getRestartCount())).max().orElse(0);
    }

    /**
     * The active pods to delete: for an Indexed Job first those with no valid index and all but
     * the most advanced of each repeated index; then, in removal order, up to {@code atLeast}.
     */
    static List<Pod> activeForRemoval(Job job, List<Pod> active, int atLeast) {
        List<Pod> remove = new ArrayList<>();
        List<Pod> left = new ArrayList<>();
        if (indexed(job)) {
            int completions = job.getSpec().getCompletions();
            Map<Integer, List<Pod>> byIndex = new LinkedHashMap<>();
            for (Pod pod : active) {
                int index = completionIndex(pod);
                if (index < 0 || index >= completions) {
                    remove.add(pod);
                } else {
                    byIndex.computeIfAbsent(index, i -> new ArrayList<>()).add(pod);
                }
            }
            for (List<Pod> same : byIndex.values()) {
                same.sort(REMOVAL_ORDER);
                remove.addAll(same.subList(0, same.size() - 1));
                left.add(same.getLast());
            }
        } else {
            left.addAll(active);
        }
        if (remove.size() < atLeast) {
            left.sort(REMOVAL_ORDER);
            remove.addAll(left.subList(0, Math.min(left.size(), atLeast - remove.size())));
        }
        return remove;
    }

    static boolean namespaceTerminating(ApiException e) {
        return e.causes().stream().anyMatch(cause -> "NamespaceTerminating".equals(cause.getReason()));
    }

    // ---- calls

    /** The pod of the Job's template (with its completion index, or -1), created and recorded. */
    Pod create(Job job, int index) {
        Pod pod = fromTemplate(job, index);
        try {
            Pod created = podsApi.create(job.getMetadata().getNamespace(), pod);
            recorder.event(about(job), EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: " + created.getMetadata().getName());
            return created;
        } catch (ApiException e) {
            recorder.event(about(job), EventRecorder.WARNING, "FailedCreate", "Error creating: " + e.getMessage());
            throw e;
        }
    }

    static Pod fromTemplate(Job job, int index) {
        var template = job.getSpec().getTemplate();
        ObjectMeta templateMeta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
        Map<String, String> labels = new HashMap<>(templateMeta.getLabels() == null ? Map.of() : templateMeta.getLabels());
        Map<String, String> annotations = new HashMap<>(templateMeta.getAnnotations() == null ? Map.of() : templateMeta.getAnnotations());
        List<String> finalizers = new ArrayList<>(templateMeta.getFinalizers() == null ? List.of() : templateMeta.getFinalizers());
        if (!finalizers.contains(TRACKING_FINALIZER)) {
            finalizers.add(TRACKING_FINALIZER);
        }
        PodSpec spec = new PodSpecBuilder(template.getSpec()).build();
        String generateName = job.getMetadata().getName() + "-";
        if (index >= 0) {
            annotations.put(COMPLETION_INDEX, Integer.toString(index));
            labels.put(COMPLETION_INDEX, Integer.toString(index));
            spec.setHostname(job.getMetadata().getName() + "-" + index);
            generateName = generateNameWithIndex(job.getMetadata().getName(), index);
            spec.getContainers().forEach(JobPods::addCompletionIndexEnv);
            if (spec.getInitContainers() != null) {
                spec.getInitContainers().forEach(JobPods::addCompletionIndexEnv);
            }
        }
        OwnerReference owner = new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                .withName(job.getMetadata().getName()).withUid(job.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
        Pod pod = new Pod();
        pod.setApiVersion("v1");
        pod.setKind("Pod");
        ObjectMeta meta = new ObjectMeta();
        meta.setGenerateName(generateName);
        meta.setNamespace(job.getMetadata().getNamespace());
        meta.setLabels(labels.isEmpty() ? null : labels);
        meta.setAnnotations(annotations.isEmpty() ? null : annotations);
        meta.setFinalizers(finalizers);
        meta.setOwnerReferences(List.of(owner));
        pod.setMetadata(meta);
        pod.setSpec(spec);
        return pod;
    }

    /** "job-3-", the job name cut so the prefix leaves room for the random suffix. */
    static String generateNameWithIndex(String jobName, int index) {
        String suffix = "-" + index + "-";
        int room = MAX_GENERATE_NAME_PREFIX - suffix.length();
        return (jobName.length() > room ? jobName.substring(0, room) : jobName) + suffix;
    }

    /** JOB_COMPLETION_INDEX from the pod's index label through the downward API, unless the container sets it. */
    private static void addCompletionIndexEnv(Container container) {
        List<EnvVar> env = new ArrayList<>(container.getEnv() == null ? List.of() : container.getEnv());
        if (env.stream().anyMatch(v -> COMPLETION_INDEX_ENV.equals(v.getName()))) {
            return;
        }
        env.add(new EnvVarBuilder().withName(COMPLETION_INDEX_ENV).withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.labels['" + COMPLETION_INDEX + "']").endFieldRef().endValueFrom().build());
        container.setEnv(env);
    }

    /** How many deletions were accepted, how many of those pods were ready, and the first failure. */
    record Deleted(int count, int ready, Exception error) {
    }

    /** Deletes the pods, keeping their finalizers (the status tracker counts them, then lets them go). */
    Deleted deleteActive(Job job, List<Pod> pods) {
        return deleteEach(job, pods, false, () -> {
        });
    }

    /** Removes the finalizer, then deletes (a pod that was never going to count, e.g. of a suspended Job). */
    Deleted deleteWithoutFinalizer(Job job, List<Pod> pods, Runnable onFailure) {
        return deleteEach(job, pods, true, onFailure);
    }

    private Deleted deleteEach(Job job, List<Pod> pods, boolean removeFinalizer, Runnable onFailure) {
        AtomicInteger count = new AtomicInteger();
        AtomicInteger ready = new AtomicInteger();
        AtomicReference<Exception> error = new AtomicReference<>();
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (Pod pod : pods) {
                executor.submit(() -> {
                    try {
                        if (removeFinalizer) {
                            removeTrackingFinalizer(pod);
                        }
                        delete(job, pod);
                        count.incrementAndGet();
                        if (isReady(pod)) {
                            ready.incrementAndGet();
                        }
                    } catch (ApiException e) {
                        onFailure.run();
                        if (e.isNotFound()) {
                            count.incrementAndGet(); // gone already: as good as deleted
                        } else {
                            error.compareAndSet(null, e);
                        }
                    }
                });
            }
        }
        return new Deleted(count.get(), ready.get(), error.get());
    }

    private void delete(Job job, Pod pod) {
        try {
            podsApi.delete(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), DeleteOptions.NONE);
            recorder.event(about(job), EventRecorder.NORMAL, "SuccessfulDelete", "Deleted pod: " + pod.getMetadata().getName());
        } catch (ApiException e) {
            if (!e.isNotFound()) {
                recorder.event(about(job), EventRecorder.WARNING, "FailedDelete", "Error deleting: " + e.getMessage());
            }
            throw e;
        }
    }

    /** Drops the tracking finalizer; a pod without it or already gone needs nothing. */
    void removeTrackingFinalizer(Pod pod) {
        if (!hasTrackingFinalizer(pod)) {
            return;
        }
        try {
            podsApi.patch(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), PatchType.STRATEGIC_MERGE,
                    REMOVE_FINALIZER_PATCH);
        } catch (ApiException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
    }
}
