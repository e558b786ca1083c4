"""Runs the official OpenAI and Anthropic Python SDKs, unmodified, against models of the other
provider: the OpenAI SDK calling anthropic/... and the Anthropic SDK calling openai/..., which the
gateway translates (docs/translation.md).

Usage: check_translation.py BASE_URL API_KEY  -- prints one JSON object with what each call returned.
"""
import json
import sys

import anthropic
import openai

base, key = sys.argv[1], sys.argv[2]
result = {}
WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def error_of(call):
    try:
        call()
    except Exception as error:  # the SDK's own exception classes say what it understood
        return {"class": type(error).__name__, "status": getattr(error, "status_code", None), "message": str(error)}
    return None


# The OpenAI SDK, calling a Claude model.
gpt = openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0)
claude_model = "anthropic/claude-3-5-haiku-latest"
hi = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]

chat = gpt.chat.completions.create(model=claude_model, messages=hi)
result["openai_chat"] = {
    "content": chat.choices[0].message.content,
    "finish_reason": chat.choices[0].finish_reason,
    "prompt_tokens": chat.usage.prompt_tokens,
    "completion_tokens": chat.usage.completion_tokens,
    "cached_tokens": chat.usage.prompt_tokens_details.cached_tokens,
}

parts, usage = [], None
for chunk in gpt.chat.completions.create(
    model=claude_model, messages=hi, stream=True, stream_options={"include_usage": True}
):
    if chunk.choices and chunk.choices[0].delta.content:
        parts.append(chunk.choices[0].delta.content)
    if chunk.usage:
        usage = chunk.usage.completion_tokens
result["openai_stream"] = {"text": "".join(parts), "completion_tokens": usage}

ask = [{"role": "user", "content": "Weather in Paris?"}]
first = gpt.chat.completions.create(model=claude_model, messages=ask, tools=[WEATHER])
call = first.choices[0].message.tool_calls[0]
answered = gpt.chat.completions.create(
    model=claude_model,
    tools=[WEATHER],
    messages=ask
    + [
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": "18C and sunny"},
    ],
)
result["openai_tools"] = {
    "finish_reason": first.choices[0].finish_reason,
    "id": call.id,
    "name": call.function.name,
    "arguments": json.loads(call.function.arguments),
    "answer": answered.choices[0].message.content,
}

calls = {}
for chunk in gpt.chat.completions.create(model=claude_model, messages=ask, tools=[WEATHER], stream=True):
    for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
        entry = calls.setdefault(delta.index, {"id": None, "name": None, "arguments": ""})
        entry["id"] = delta.id or entry["id"]
        entry["name"] = (delta.function.name if delta.function else None) or entry["name"]
        entry["arguments"] += (delta.function.arguments or "") if delta.function else ""
result["openai_stream_tools"] = [
    {"id": c["id"], "name": c["name"], "arguments": json.loads(c["arguments"])} for c in calls.values()
]

structured = gpt.chat.completions.create(
    model=claude_model,
    messages=[{"role": "user", "content": "A city, as JSON"}],
    response_format={
        "type": "json_schema",
        "json_schema": {"name": "city", "schema": {"type": "object", "properties": {"city": {"type": "string"}}}},
    },
)
result["openai_json"] = json.loads(structured.choices[0].message.content)

seen = gpt.chat.completions.create(
    model=claude_model,
    messages=[
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
            ],
        }
    ],
)
result["openai_image"] = seen.choices[0].message.content

result["openai_errors"] = {
    "rate_limited": error_of(lambda: gpt.chat.completions.create(model="anthropic/error-429", messages=hi)),
    "refused_field": error_of(
        lambda: gpt.chat.completions.create(model=claude_model, messages=hi, presence_penalty=0.5)
    ),
}

# The Anthropic SDK, calling an OpenAI model.
ant = anthropic.Anthropic(base_url=base, api_key=key, max_retries=0)
gpt_model = "openai/gpt-4o-mini"
TOOL = {
    "name": "weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}

message = ant.messages.create(model=gpt_model, max_tokens=64, system="Be brief.", messages=ask)
result["anthropic_messages"] = {
    "text": message.content[0].text,
    "stop_reason": message.stop_reason,
    "input_tokens": message.usage.input_tokens,
    "output_tokens": message.usage.output_tokens,
    "cache_read_input_tokens": message.usage.cache_read_input_tokens,
}

events = list(ant.messages.create(model=gpt_model, max_tokens=64, messages=ask, stream=True))
with ant.messages.stream(model=gpt_model, max_tokens=64, messages=ask) as stream:
    text = "".join(stream.text_stream)
    final = stream.get_final_message()
result["anthropic_stream"] = {
    "types": [event.type for event in events],
    "start_input_tokens": events[0].message.usage.input_tokens,
    "text": text,
    "output_tokens": final.usage.output_tokens,
    "input_tokens": final.usage.input_tokens,
}

used = ant.messages.create(model=gpt_model, max_tokens=64, messages=ask, tools=[TOOL])
use = next(block for block in used.content if block.type == "tool_use")
replied = ant.messages.create(
    model=gpt_model,
    max_tokens=64,
    tools=[TOOL],
    messages=ask
    + [
        {"role": "assistant", "content": [block.model_dump() for block in used.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "18C and sunny"}]},
    ],
)
result["anthropic_tools"] = {
    "stop_reason": used.stop_reason,
    "id": use.id,
    "name": use.name,
    "input": use.input,
    "answer": replied.content[0].text,
}

with ant.messages.stream(model=gpt_model, max_tokens=64, messages=ask, tools=[TOOL]) as stream:
    streamed = stream.get_final_message()
result["anthropic_stream_tools"] = [
    {"id": block.id, "name": block.name, "input": block.input} for block in streamed.content if block.type == "tool_use"
]

result["anthropic_errors"] = {
    "rate_limited": error_of(lambda: ant.messages.create(model="openai/error-429", max_tokens=8, messages=ask)),
    "refused_field": error_of(lambda: ant.messages.create(model=gpt_model, max_tokens=8, messages=ask, extra_body={"top_k": 3})),
}

print(json.dumps(result))
