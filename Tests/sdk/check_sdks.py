"""Runs the official OpenAI and Anthropic Python SDKs, unmodified, against the gateway.

Usage: check_sdks.py BASE_URL API_KEY  -- prints one JSON object with what each call returned.
"""
import json
import sys

import anthropic
import openai

base, key = sys.argv[1], sys.argv[2]
result = {}

client = openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0)
chat = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
result["chat"] = {"content": chat.choices[0].message.content, "prompt_tokens": chat.usage.prompt_tokens}

parts = []
for chunk in client.chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], stream=True
):
    if chunk.choices and chunk.choices[0].delta.content:
        parts.append(chunk.choices[0].delta.content)
    if not chunk.choices:
        parts.append("<usage chunk the client did not ask for>")
result["stream"] = "".join(parts)

embedding = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
result["embeddings"] = [len(item.embedding) for item in embedding.data]

result["models"] = sorted(model.id for model in client.models.list())

claude = anthropic.Anthropic(base_url=base, api_key=key, max_retries=0)
message = claude.messages.create(
    model="claude-3-5-haiku-latest", max_tokens=64, messages=[{"role": "user", "content": "Hi"}]
)
result["messages"] = {"text": message.content[0].text, "input_tokens": message.usage.input_tokens}

with claude.messages.stream(
    model="claude-3-5-haiku-latest", max_tokens=64, messages=[{"role": "user", "content": "Hi"}]
) as stream:
    text = "".join(stream.text_stream)
    final = stream.get_final_message()
result["messages_stream"] = {"text": text, "output_tokens": final.usage.output_tokens}

print(json.dumps(result))
